// Feishu's send limits, kept rather than discovered (FEISHU-NOTES §4): per app per second and per
// minute, per chat and per user per second. Sliding windows: at most `limit` sends in any window,
// which also keeps any fixed window the platform might count in. `marginMs` widens each window a
// little, for the jitter between when a send leaves and when it is counted.

export interface Window {
  limit: number;
  windowMs: number;
}

export interface RateLimits {
  appPerSecond: number;
  appPerMinute: number;
  perChatPerSecond: number;
  perUserPerSecond: number;
  marginMs: number;
}

export const FEISHU_RATE_LIMITS: RateLimits = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perChatPerSecond: 5,
  perUserPerSecond: 5,
  marginMs: 25,
};

/** Send times within one window, oldest first. */
class SlidingWindow {
  private readonly times: number[] = [];
  constructor(private readonly window: Window) {}

  /** Milliseconds until one more send fits; 0 when it fits now. */
  waitAt(now: number): number {
    const { limit, windowMs } = this.window;
    while (this.times.length > 0 && this.times[0]! <= now - windowMs) this.times.shift();
    return this.times.length < limit ? 0 : this.times[this.times.length - limit]! + windowMs - now;
  }

  record(now: number): void {
    this.times.push(now);
  }

  idleAt(now: number): boolean {
    return this.waitAt(now) === 0 && this.times.length === 0;
  }
}

export type Verdict = { ok: true } | { ok: false; scope: 'app' | 'recipient'; waitMs: number };

export class SendRateLimiter {
  private readonly app: SlidingWindow[];
  private readonly recipients = new Map<string, SlidingWindow>();

  constructor(private readonly limits: RateLimits = FEISHU_RATE_LIMITS) {
    this.app = [
      new SlidingWindow({ limit: limits.appPerSecond, windowMs: 1000 + limits.marginMs }),
      new SlidingWindow({ limit: limits.appPerMinute, windowMs: 60_000 + limits.marginMs }),
    ];
  }

  /** Takes a send slot for `recipient` (e.g. `chat_id:oc_…`) if the app and the recipient have one. */
  tryAcquire(recipient: string, isChat: boolean, now: number): Verdict {
    const appWait = Math.max(...this.app.map((w) => w.waitAt(now)));
    if (appWait > 0) return { ok: false, scope: 'app', waitMs: appWait };
    let window = this.recipients.get(recipient);
    if (!window) {
      const limit = isChat ? this.limits.perChatPerSecond : this.limits.perUserPerSecond;
      window = new SlidingWindow({ limit, windowMs: 1000 + this.limits.marginMs });
      this.recipients.set(recipient, window);
    }
    const wait = window.waitAt(now);
    if (wait > 0) return { ok: false, scope: 'recipient', waitMs: wait };
    for (const w of this.app) w.record(now);
    window.record(now);
    return { ok: true };
  }

  /** Drops the windows of recipients with nothing in them, so the map does not grow forever. */
  prune(now: number): void {
    for (const [key, window] of this.recipients) if (window.idleAt(now)) this.recipients.delete(key);
  }
}

// Feishu's send limits, kept rather than discovered (FEISHU-NOTES §4): per app per second and per
// minute, per chat and per user per second.
//
// Feishu counts a send when it arrives, which is some time between when it leaves and when its
// answer comes back; under load that gap varies more than the gap between two sends. So a send
// holds a slot from when it leaves, and its slot is timed from when its answer came back: the next
// send that needs the slot leaves a full window after that, and so arrives a full window after the
// send it replaces arrived, whatever the latency in between.

export interface RateLimits {
  appPerSecond: number;
  appPerMinute: number;
  perChatPerSecond: number;
  perUserPerSecond: number;
  /** Extra width of every window, for clock granularity. */
  marginMs: number;
}

export const FEISHU_RATE_LIMITS: RateLimits = {
  appPerSecond: 50,
  appPerMinute: 1000,
  perChatPerSecond: 5,
  perUserPerSecond: 5,
  marginMs: 5,
};

/** At most `limit` sends in flight or finished within the last `windowMs`. */
class SendWindow {
  inFlight = 0;
  /** When the answers of finished sends came back, ascending. */
  private readonly finished: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  private expire(now: number): void {
    let drop = 0;
    while (drop < this.finished.length && this.finished[drop]! <= now - this.windowMs) drop++;
    if (drop > 0) this.finished.splice(0, drop);
  }

  /** Milliseconds until a slot frees; 0 when one is free; Infinity until a send in flight finishes. */
  waitAt(now: number): number {
    this.expire(now);
    const free = this.limit - this.inFlight;
    if (free <= 0) return Infinity;
    if (this.finished.length < free) return 0;
    return this.finished[this.finished.length - free]! + this.windowMs - now;
  }

  /** Sends that could start now. */
  freeAt(now: number): number {
    this.expire(now);
    return Math.max(0, this.limit - this.inFlight - this.finished.length);
  }

  finish(at: number): void {
    this.inFlight--;
    let i = this.finished.length;
    while (i > 0 && this.finished[i - 1]! > at) i--;
    this.finished.splice(i, 0, at);
  }

  idleAt(now: number): boolean {
    this.expire(now);
    return this.inFlight === 0 && this.finished.length === 0;
  }
}

export type Verdict =
  | { ok: true; /** Call with the time the answer came back (or the send gave up). */ finish: (at: number) => void }
  | { ok: false; scope: 'app' | 'recipient'; /** Infinity: until a send in flight finishes. */ waitMs: number };

export class SendRateLimiter {
  private readonly app: SendWindow[];
  private readonly recipients = new Map<string, SendWindow>();

  constructor(private readonly limits: RateLimits = FEISHU_RATE_LIMITS) {
    this.app = [
      new SendWindow(limits.appPerSecond, 1000 + limits.marginMs),
      new SendWindow(limits.appPerMinute, 60_000 + limits.marginMs),
    ];
  }

  /**
   * How many sends the app's budget lets start now (recipients' windows aside); when none, how
   * long until one can (Infinity: until a send in flight finishes).
   */
  appBudget(now: number): { free: number; waitMs: number } {
    const free = Math.min(...this.app.map((w) => w.freeAt(now)));
    return { free, waitMs: free > 0 ? 0 : Math.max(...this.app.map((w) => w.waitAt(now))) };
  }

  /** Takes a send slot for `recipient` (e.g. `chat_id:oc_…`) if the app and the recipient have one. */
  tryAcquire(recipient: string, isChat: boolean, now: number): Verdict {
    const app = this.appBudget(now);
    if (app.free === 0) return { ok: false, scope: 'app', waitMs: app.waitMs };
    const window = this.windowOf(recipient, isChat);
    const wait = window.waitAt(now);
    if (wait > 0) return { ok: false, scope: 'recipient', waitMs: wait };
    const held = [...this.app, window];
    for (const w of held) w.inFlight++;
    let finished = false;
    return {
      ok: true,
      finish: (at) => {
        if (finished) return;
        finished = true;
        for (const w of held) w.finish(at);
      },
    };
  }

  /**
   * Counts a send this process did not make (one made before a restart): it holds its slots
   * as if its answer came back at `finishedAt`.
   */
  recordPast(recipient: string, isChat: boolean, finishedAt: number): void {
    const verdictWindows = [...this.app, this.windowOf(recipient, isChat)];
    for (const w of verdictWindows) {
      w.inFlight++;
      w.finish(finishedAt);
    }
  }

  private windowOf(recipient: string, isChat: boolean): SendWindow {
    let window = this.recipients.get(recipient);
    if (!window) {
      const limit = isChat ? this.limits.perChatPerSecond : this.limits.perUserPerSecond;
      window = new SendWindow(limit, 1000 + this.limits.marginMs);
      this.recipients.set(recipient, window);
    }
    return window;
  }

  /** Drops the windows of recipients with nothing in them, so the map does not grow forever. */
  prune(now: number): void {
    for (const [key, window] of this.recipients) if (window.idleAt(now)) this.recipients.delete(key);
  }
}

import { describe, expect, it } from 'vitest';
import { SendRateLimiter } from '../../src/delivery/rate-limit.js';

const limits = { appPerSecond: 50, appPerMinute: 1000, perChatPerSecond: 5, perUserPerSecond: 5, marginMs: 0 };

/** Acquires and finishes at once (a send with no latency); true when it was allowed. */
function send(limiter: SendRateLimiter, key: string, at: number, isChat = false): boolean {
  const verdict = limiter.tryAcquire(key, isChat, at);
  if (verdict.ok) verdict.finish(at);
  return verdict.ok;
}

describe('send rate limits', () => {
  it('allows 5 sends per second to one chat, then names the wait; other chats are not held up', () => {
    const limiter = new SendRateLimiter(limits);
    for (let i = 0; i < 5; i++) expect(send(limiter, 'chat_id:oc_a', 1000 + i * 10, true)).toBe(true);
    expect(limiter.tryAcquire('chat_id:oc_a', true, 1100)).toEqual({ ok: false, scope: 'recipient', waitMs: 900 });
    expect(send(limiter, 'chat_id:oc_b', 1100, true)).toBe(true);
    expect(send(limiter, 'chat_id:oc_a', 2000, true)).toBe(true);
  });

  it('never allows more than the app limit in any second', () => {
    const limiter = new SendRateLimiter(limits);
    let sent = 0;
    for (let user = 0; user < 60; user++) if (send(limiter, `open_id:ou_${user}`, 5000)) sent++;
    expect(sent).toBe(50);
    expect(limiter.tryAcquire('open_id:ou_new', false, 5999)).toMatchObject({ ok: false, scope: 'app', waitMs: 1 });
    expect(send(limiter, 'open_id:ou_new', 6000)).toBe(true);
  });

  it("tells how many sends the app's budget allows now, and how long until one when none", () => {
    const limiter = new SendRateLimiter(limits);
    expect(limiter.appBudget(0)).toEqual({ free: 50, waitMs: 0 });
    for (let user = 0; user < 48; user++) send(limiter, `open_id:ou_${user}`, 100);
    const held = limiter.tryAcquire('open_id:ou_slow', false, 200); // in flight: holds a slot
    expect(limiter.appBudget(300)).toEqual({ free: 1, waitMs: 0 });
    send(limiter, 'open_id:ou_last', 300);
    expect(limiter.appBudget(400)).toEqual({ free: 0, waitMs: 700 }); // the sends of 100 age out at 1100
    expect(limiter.appBudget(1100)).toEqual({ free: 48, waitMs: 0 });
    if (held.ok) held.finish(1200);
    expect(limiter.appBudget(1300)).toEqual({ free: 49, waitMs: 0 }); // the send of 300 aged out too
    expect(limiter.appBudget(2199)).toEqual({ free: 49, waitMs: 0 });
    expect(limiter.appBudget(2200)).toEqual({ free: 50, waitMs: 0 }); // the slow one, a second after its answer
  });

  it('keeps the per-minute app limit across seconds', () => {
    const limiter = new SendRateLimiter(limits);
    let sent = 0;
    for (let t = 0; t < 60_000; t += 20) if (send(limiter, `open_id:ou_${t}`, t)) sent++;
    expect(sent).toBe(1000);
    expect(limiter.tryAcquire('open_id:x', false, 59_999)).toMatchObject({ ok: false, scope: 'app' });
  });

  it('times a slot from when the answer came back, so latency cannot squeeze two windows together', () => {
    const limiter = new SendRateLimiter(limits);
    const slow = limiter.tryAcquire('open_id:ou_1', false, 0);
    for (let i = 0; i < 4; i++) send(limiter, 'open_id:ou_1', 0);
    expect(limiter.tryAcquire('open_id:ou_1', false, 500)).toMatchObject({ ok: false, waitMs: 500 });
    if (slow.ok) slow.finish(1400); // its answer took 1.4 s: Feishu may have counted it as late as that
    for (let i = 0; i < 4; i++) expect(send(limiter, 'open_id:ou_1', 1500)).toBe(true);
    expect(limiter.tryAcquire('open_id:ou_1', false, 1500)).toMatchObject({ ok: false, waitMs: 900 });
  });

  it('waits for a send in flight when every slot is in flight', () => {
    const limiter = new SendRateLimiter(limits);
    for (let i = 0; i < 5; i++) limiter.tryAcquire('open_id:ou_1', false, 0);
    expect(limiter.tryAcquire('open_id:ou_1', false, 5000)).toMatchObject({ ok: false, waitMs: Infinity });
  });

  it('counts sends made before a restart', () => {
    const limiter = new SendRateLimiter(limits);
    for (let i = 0; i < 5; i++) limiter.recordPast('chat_id:oc_a', true, 900);
    for (let i = 0; i < 5; i++) limiter.recordPast('open_id:ou_x', false, 950);
    for (let i = 0; i < 40; i++) limiter.recordPast(`open_id:ou_${i}`, false, 950);
    expect(limiter.tryAcquire('chat_id:oc_a', true, 1000)).toMatchObject({ ok: false, scope: 'app', waitMs: 900 });
    expect(limiter.tryAcquire('chat_id:oc_a', true, 1899)).toMatchObject({ ok: false, scope: 'app', waitMs: 1 });
    expect(send(limiter, 'chat_id:oc_a', 1900)).toBe(true);
    expect(limiter.tryAcquire('open_id:ou_x', false, 1900)).toMatchObject({ ok: false, scope: 'recipient', waitMs: 50 });
  });

  it('widens every window by the margin', () => {
    const limiter = new SendRateLimiter({ ...limits, marginMs: 25 });
    for (let i = 0; i < 5; i++) send(limiter, 'open_id:ou_1', 0);
    expect(limiter.tryAcquire('open_id:ou_1', false, 1000)).toMatchObject({ ok: false, waitMs: 25 });
  });
});

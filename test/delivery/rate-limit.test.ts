import { describe, expect, it } from 'vitest';
import { SendRateLimiter } from '../../src/delivery/rate-limit.js';

const limits = { appPerSecond: 50, appPerMinute: 1000, perChatPerSecond: 5, perUserPerSecond: 5, marginMs: 0 };

describe('send rate limits', () => {
  it('allows 5 sends per second to one chat, then names the wait', () => {
    const limiter = new SendRateLimiter(limits);
    for (let i = 0; i < 5; i++) expect(limiter.tryAcquire('chat_id:oc_a', true, 1000 + i * 10)).toEqual({ ok: true });
    expect(limiter.tryAcquire('chat_id:oc_a', true, 1100)).toEqual({ ok: false, scope: 'recipient', waitMs: 900 });
    expect(limiter.tryAcquire('chat_id:oc_b', true, 1100)).toEqual({ ok: true }); // another chat is not held up
    expect(limiter.tryAcquire('chat_id:oc_a', true, 2000)).toEqual({ ok: true });
  });

  it('never allows more than the app limit in any second', () => {
    const limiter = new SendRateLimiter(limits);
    let sent = 0;
    for (let user = 0; user < 60; user++) if (limiter.tryAcquire(`open_id:ou_${user}`, false, 5000).ok) sent++;
    expect(sent).toBe(50);
    expect(limiter.tryAcquire('open_id:ou_new', false, 5999)).toMatchObject({ ok: false, scope: 'app', waitMs: 1 });
    expect(limiter.tryAcquire('open_id:ou_new', false, 6000).ok).toBe(true);
  });

  it('keeps the per-minute app limit across seconds', () => {
    const limiter = new SendRateLimiter(limits);
    let sent = 0;
    for (let t = 0; t < 60_000; t += 20) if (limiter.tryAcquire(`open_id:ou_${t}`, false, t).ok) sent++;
    expect(sent).toBe(1000);
    expect(limiter.tryAcquire('open_id:x', false, 59_999)).toMatchObject({ ok: false, scope: 'app' });
  });

  it('widens every window by the margin', () => {
    const limiter = new SendRateLimiter({ ...limits, marginMs: 25 });
    for (let i = 0; i < 5; i++) limiter.tryAcquire('open_id:ou_1', false, 0);
    expect(limiter.tryAcquire('open_id:ou_1', false, 1000)).toMatchObject({ ok: false, waitMs: 25 });
  });
});

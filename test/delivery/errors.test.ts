import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/delivery/backoff.js';
import { decide } from '../../src/delivery/errors.js';

describe('what to do about a failed send', () => {
  it.each([230002, 230013, 230025, 230028, 230029, 230035, 230053, 230099, 232009])('gives up at once on permanent code %i', (code) => {
    expect(decide({ ok: false, code, httpStatus: 400, message: 'x' }).action).toBe('dead');
  });

  it('refreshes the token on invalid-token codes', () => {
    expect(decide({ ok: false, code: 99991663, httpStatus: 400, message: 'invalid token' }).action).toBe('refresh-token');
    expect(decide({ ok: false, code: 99991668, httpStatus: 200, message: 'expired' }).action).toBe('refresh-token');
  });

  it('retries rate limits after the reset the platform names', () => {
    expect(decide({ ok: false, code: 99991400, httpStatus: 429, message: 'limit', retryAfterMs: 3000 })).toEqual({
      action: 'retry',
      reason: 'code 99991400: HTTP 429: limit',
      retryAfterMs: 3000,
      rateLimited: true,
    });
    expect(decide({ ok: false, code: 230020, httpStatus: 400, message: 'chat limit' }).action).toBe('retry');
  });

  it('retries network errors, timeouts and 5xx; gives up other 4xx', () => {
    expect(decide({ ok: false, message: 'TypeError: fetch failed' }).action).toBe('retry');
    expect(decide({ ok: false, message: 'TimeoutError: aborted' }).action).toBe('retry');
    expect(decide({ ok: false, httpStatus: 502, message: 'bad gateway' }).action).toBe('retry');
    expect(decide({ ok: false, code: 230001, httpStatus: 400, message: 'invalid param' }).action).toBe('dead');
  });
});

describe('backoff', () => {
  it('grows exponentially under a cap, with full jitter', () => {
    const options = { baseMs: 1000, maxMs: 60_000 };
    expect(backoffDelay(0, options, () => 0.999)).toBe(999);
    expect(backoffDelay(3, options, () => 0.5)).toBe(4000);
    expect(backoffDelay(20, options, () => 0.5)).toBe(30_000);
    expect(backoffDelay(5, options, () => 0)).toBe(0);
  });
});

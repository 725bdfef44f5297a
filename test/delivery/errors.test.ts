import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/delivery/backoff.js';
import { decide } from '../../src/delivery/errors.js';
import { createFeishuClient } from '../../src/feishu/client.js';
import { createLogger } from '../../src/log.js';
import { freePort } from '../support/bot-process.js';
import { tokenThenDrop } from '../support/dropping-server.js';

describe('what to do about a failed send', () => {
  it.each([230002, 230013, 230025, 230028, 230029, 230035, 230053, 230099, 232009])('gives up at once on permanent code %i', (code) => {
    expect(decide({ ok: false, code, httpStatus: 400, message: 'x' }).action).toBe('dead');
  });

  it.each([
    [230011, 'the message was recalled: the card cannot be edited'],
    [230031, 'the message is older than 14 days: the card cannot be edited'],
    [230110, 'the message was deleted: the card cannot be edited'],
  ])('gives up an edit refused with %i, saying why', (code, why) => {
    expect(decide({ ok: false, code, httpStatus: 400, message: 'refused' })).toEqual({ action: 'dead', reason: `code ${code}: HTTP 400: refused (${why})` });
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

describe('a send that gets no answer', () => {
  const card = { receiveIdType: 'chat_id' as const, receiveId: 'oc_team', content: '{}', uuid: 'u1' };
  const client = (baseUrl: string) => createFeishuClient({ appId: 'cli_1', appSecret: 's', baseUrl, timeoutMs: 5000, log: createLogger({ level: 'error', write: () => {} }) });

  it('fails with the host, the call and the cause, and is retried', async () => {
    const port = await freePort();
    const result = await client(`http://127.0.0.1:${port}`).sendCard(card);
    // The token is fetched first, so that is the call that fails.
    expect(result).toEqual({ ok: false, message: `ECONNREFUSED 127.0.0.1:${port} on POST /open-apis/auth/v3/tenant_access_token/internal` });
    if (result.ok) throw new Error('sent to a closed port?');
    expect(decide(result)).toEqual({ action: 'retry', reason: result.message });
  });

  it('names the message call when that is the one cut off', async () => {
    // Tokens are handed out; the connection of a message send is dropped before any answer.
    const server = await tokenThenDrop();
    const { port } = server;
    try {
      const result = await client(`http://127.0.0.1:${port}`).sendCard(card);
      expect(result).toEqual({ ok: false, message: `ECONNRESET 127.0.0.1:${port} (connection closed by the other side) on POST /open-apis/im/v1/messages` });
      if (result.ok) throw new Error('sent through a dropped connection?');
      expect(decide(result).action).toBe('retry');
    } finally {
      server.close();
    }
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

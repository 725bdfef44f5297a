// Every row of the bad-input table: a clear answer, no crash, nothing lost, nothing sent wrongly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptEvent, signature } from '../../src/ingest/crypto.js';
import { feishuRequest } from '../../src/sandbox/feishu-push.js';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };

function signed(body: string, key = APP.encryptKey): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = 'n0nce';
  return {
    'content-type': 'application/json',
    'x-lark-request-timestamp': timestamp,
    'x-lark-request-nonce': nonce,
    'x-lark-signature': signature(timestamp, nonce, key, Buffer.from(body)),
  };
}

describe('bad input, with an encrypt key and a verification token set', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(h.webhook, { method: 'POST', headers, body });

  it('answers another path with 404 and another method with 405', async () => {
    const other = await fetch(h.bot.url + '/webhook/other', { method: 'POST', body: '{}' });
    expect(other.status).toBe(404);
    expect(await other.json()).toHaveProperty('error');
    const get = await fetch(h.webhook);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(h.webhook, { method: 'PUT', body: '{}' })).status).toBe(405);
  });

  it('answers a body over 64 KB with 413, with or without a content-length', async () => {
    const big = JSON.stringify({ encrypt: 'A'.repeat(70 * 1024) });
    expect((await post(big)).status).toBe(413);
    const chunked = await fetch(h.webhook, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 70; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers a body that is not JSON with 400 naming the problem', async () => {
    const response = await post('{"encrypt": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'body is not JSON' });
  });

  it('answers JSON that is not an envelope with 400 naming the problem', async () => {
    for (const body of ['[1,2]', '"text"', '{"hello":"world"}']) {
      const inner = feishuRequest(body, { encryptKey: APP.encryptKey });
      const response = await post(inner.body, inner.headers);
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatch(/not a (JSON object|Feishu event envelope)/);
    }
    const noHeader = feishuRequest({ schema: '2.0', event: {} }, { encryptKey: APP.encryptKey });
    const response = await post(noHeader.body, noHeader.headers);
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe('schema 2.0 envelope without a header object');
  });

  it('refuses a bad signature with 401', async () => {
    const request = feishuRequest(remedySeedEvent(identity), { encryptKey: APP.encryptKey });
    const response = await post(request.body, { ...request.headers, 'x-lark-signature': 'f'.repeat(64) });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatch(/signature/i);
  });

  it('refuses a body signed with another key with 401', async () => {
    const request = feishuRequest(remedySeedEvent(identity), { encryptKey: 'another-key' });
    expect((await post(request.body, request.headers)).status).toBe(401);
  });

  it('refuses a missing signature with 401', async () => {
    const request = feishuRequest(remedySeedEvent(identity), { encryptKey: APP.encryptKey, sign: false });
    const response = await post(request.body, request.headers);
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatch(/missing X-Lark-Signature/);
  });

  it('refuses a plain event while an encrypt key is set with 401', async () => {
    const response = await post(JSON.stringify(remedySeedEvent(identity)));
    expect(response.status).toBe(401);
  });

  it('answers an encrypt field that does not decrypt with 400', async () => {
    for (const encrypt of ['not base64 !!!', Buffer.alloc(48, 7).toString('base64'), 'QUJD']) {
      const body = JSON.stringify({ encrypt });
      const response = await post(body, signed(body));
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatch(/encrypt/);
    }
  });

  it('refuses a token mismatch with 401', async () => {
    const response = await h.push(remedySeedEvent({ appId: APP.appId, token: 'wrong-token' }));
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatch(/verification token/);
    const missing = await h.push(shiftSeedEvent({ appId: APP.appId }));
    expect(missing.status).toBe(401);
  });

  it('refuses an event for another app id with 403', async () => {
    const response = await h.push(remedySeedEvent({ appId: 'cli_0000000000000000', token: APP.verificationToken }));
    expect(response.status).toBe(403);
    expect((await response.json()).error).toMatch(/cli_0000000000000000/);
  });

  it('answers url_verification, encrypted without signature headers and plain', async () => {
    const challenge = { type: 'url_verification', challenge: 'abc-123', token: APP.verificationToken };
    const encrypted = await h.push(challenge, { encryptKey: APP.encryptKey, sign: false });
    expect(encrypted.status).toBe(200);
    expect(await encrypted.json()).toEqual({ challenge: 'abc-123' });
    const plain = await post(JSON.stringify(challenge));
    expect(await plain.json()).toEqual({ challenge: 'abc-123' });
    const wrongToken = await h.push({ ...challenge, token: 'nope' }, { encryptKey: APP.encryptKey, sign: false });
    expect(wrongToken.status).toBe(401);
  });

  it('acknowledges a verified event of an unknown type with 200, logs its type and sends nothing', async () => {
    const event = { schema: '2.0', header: { event_id: 'ev_unknown_1', event_type: 'calendar.calendar.event.changed_v4', token: APP.verificationToken, app_id: APP.appId }, event: {} };
    const response = await h.push(event);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: 'ignored' });
    expect(h.logs.some((l) => l.includes('"eventType":"calendar.calendar.event.changed_v4"'))).toBe(true);
    expect(await h.bot.store.deliveries({ eventId: 'ev_unknown_1' })).toEqual([]);
  });

  it('stores a known type with invalid fields as rejected, with the reason, and sends nothing', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [remedySeedEvent({ ...identity, eventId: 'ev_bad_1' }, { instance_code: '' }), /instance_code/],
      [remedySeedEvent({ ...identity, eventId: 'ev_bad_2' }, { remedy_time: 'yesterday' }), /remedy_time/],
      [shiftSeedEvent({ ...identity, eventId: 'ev_bad_3' }, { shift_time: '2018-13-01 12:00:00' }), /shift_time/],
      [shiftSeedEvent({ ...identity, eventId: 'ev_bad_4' }, { instance_code: 42 }), /instance_code/],
    ];
    for (const [event] of cases) {
      const response = await h.push(event);
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.outcome).toBe('rejected');
    }
    for (const [index, [, reason]] of cases.entries()) {
      const stored = (await h.bot.store.event(`ev_bad_${index + 1}`))!;
      expect(stored.status).toBe('rejected');
      expect(stored.reason).toMatch(reason);
      expect(stored.payload).toBeTruthy(); // kept as received, for inspection
      expect((await h.bot.store.deliveries({ eventId: stored.eventId }))).toEqual([]);
    }
    expect(h.logs.some((l) => l.includes('"event rejected"') && l.includes('ev_bad_2'))).toBe(true);
  });

  it('never answers 500 and never shows a stack trace', async () => {
    const bodies = ['', 'null', '{"encrypt": null}', '{"encrypt": 5}', '\u0000\u0001', '{"schema":"2.0","header":{"event_type":5}}'];
    for (const body of bodies) {
      const response = await post(body, signed(body));
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(await response.text()).not.toMatch(/\bat .+\.(ts|js):\d+/);
    }
    expect((await fetch(h.bot.url + '/healthz')).status).toBe(200);
  });

  it('copes with nesting too deep to serialise again (JSON.parse takes it, JSON.stringify overflows)', async () => {
    const deep = '['.repeat(6000) + ']'.repeat(6000);
    const header = JSON.stringify({ event_type: 'approval.instance.remedy_group_update_v4', token: APP.verificationToken, app_id: APP.appId }).slice(0, -1);
    const noId = await h.push(`{"schema":"2.0","header":${header},"event_id":""},"event":{"deep":${deep}}}`);
    expect(noId.status).toBe(400);
    expect((await noId.json()).error).toMatch(/nested too deeply/);
    const rejected = await h.push(`{"schema":"2.0","header":${header},"event_id":"ev_deep"},"event":{"object":{"instance_code":"D","remedy_reason":${deep}}}}`);
    expect(await rejected.json()).toEqual({ ok: true, outcome: 'rejected' });
    expect((await h.bot.store.event('ev_deep'))).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/employee_id/) });
  });

  it('sends no secret to the log', async () => {
    await h.push(remedySeedEvent(identity));
    await eventually(async () => (await h.bot.store.deliveries({ status: 'sent' })).length > 0, 'a sent delivery');
    const all = h.logs.join('\n');
    for (const secret of [APP.appSecret, APP.encryptKey, APP.verificationToken]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/t-[0-9a-f]{32}/); // tenant tokens
  });
});

describe('without an encrypt key', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { FEISHU_ENCRYPT_KEY: '' } });
  });
  afterAll(async () => h.close());

  it('accepts plain events that carry the verification token', async () => {
    const response = await h.push(remedySeedEvent(identity), {});
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: 'accepted' });
  });

  it('answers an encrypted body with 400, since it cannot be read', async () => {
    const body = JSON.stringify({ encrypt: encryptEvent('{}', 'some-key') });
    const response = await fetch(h.webhook, { method: 'POST', body });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toMatch(/FEISHU_ENCRYPT_KEY is not set/);
  });
});

describe('when the database cannot be written', () => {
  it('answers 503 so that Feishu re-pushes, and stays up', async () => {
    const h = await startHarness();
    try {
      await h.bot.store.close();
      const response = await h.push(remedySeedEvent(identity));
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: 'the event could not be stored; retry later' });
      expect((await fetch(h.bot.url + '/healthz')).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('keeps the delivery worker polling, and logging why, while the database is unreadable', async () => {
    const h = await startHarness({ worker: { pollMs: 5 } });
    try {
      await h.bot.store.close();
      // Several polls pass; each fails to read the outbox and is logged instead of crashing.
      await new Promise((r) => setTimeout(r, 60));
      const failures = h.logs.filter((l) => l.includes('outbox could not be read'));
      expect(failures.length).toBeGreaterThan(2);
      expect(failures[0]).toContain('database connection is not open');
    } finally {
      await h.close();
    }
  });
});

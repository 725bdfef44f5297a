// Hostile and broken traffic mixed with real events: nothing crashes, nothing answers 5xx, and
// every real event is delivered exactly once.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { encryptEvent, signature } from '../../src/ingest/crypto.js';
import { feishuRequest } from '../../src/sandbox/feishu-push.js';
import { burst, exactlyOnce } from '../support/burst.js';
import { APP, eventually, startHarness, type Harness } from '../support/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Deterministic randomness, so that a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! };
}

type Req = { body: string | Uint8Array; headers: Record<string, string> };

function mutants(valid: () => Req, rnd: ReturnType<typeof prng>): Array<() => Req> {
  const signed = (body: string): Req => ({ body, headers: feishuRequestHeaders(body) });
  const feishuRequestHeaders = (body: string) => {
    const ts = String(Math.floor(Date.now() / 1000));
    return { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': 'n', 'x-lark-signature': signature(ts, 'n', APP.encryptKey, Buffer.from(body)) };
  };
  const junk = () => randomBytes(rnd.int(200)).toString(rnd.pick(['base64', 'hex', 'latin1'] as const));
  return [
    () => ({ body: '{"encrypt": ' + junk(), headers: { 'content-type': 'application/json' } }), // bad JSON
    () => signed(JSON.stringify({ encrypt: rnd.pick([1, true, null, [], {}, 'x'.repeat(rnd.int(100))]) })), // wrong types
    () => signed(JSON.stringify({ encrypt: 'A'.repeat(rnd.int(60_000)) })), // huge strings
    () => ({ body: JSON.stringify({ encrypt: 'B'.repeat(70_000) }), headers: { 'content-type': 'application/json' } }), // over the limit
    () => signed(JSON.stringify({ encrypt: '%%%' + junk() })), // bad base64
    () => signed(JSON.stringify({ encrypt: Buffer.from(junk()).toString('base64') })), // base64 that does not decrypt
    () => { const v = valid(); return { ...v, headers: { ...v.headers, 'x-lark-signature': randomBytes(32).toString('hex') } }; }, // wrong signature
    () => { const v = valid(); const { 'x-lark-signature': _, ...headers } = v.headers; return { body: v.body, headers }; }, // missing signature
    () => { const v = valid(); const text = String(v.body); return { body: text.slice(0, rnd.int(text.length)), headers: v.headers }; }, // truncated
    () => { const v = valid(); return { ...v, headers: { ...v.headers, 'content-type': rnd.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) } }; }, // wrong content types
    () => signed(JSON.stringify({ encrypt: encryptEvent(JSON.stringify(rnd.pick([{}, [], 'x', { schema: '2.0', header: { event_type: 7 } }, { type: 'event_callback', event: [] }, { schema: '2.0', header: { event_type: 'shift_approval', app_id: 'cli_other', token: APP.verificationToken }, event: {} }])), APP.encryptKey) })), // signed, but not a usable envelope
    () => ({ body: randomBytes(rnd.int(2000)), headers: { 'content-type': 'application/octet-stream' } }), // binary noise
  ];
}

describe('robustness', () => {
  it('5,000 random and mutated requests among 100 valid events: no 5xx, still up, each valid event delivered once', async () => {
    h = await startHarness();
    const rnd = prng(20261122);
    const valid = burst(100, 25, 'ev_robust');
    const sampleValid = (): Req => feishuRequest(valid[rnd.int(valid.length)], { encryptKey: APP.encryptKey });
    const kinds = mutants(sampleValid, rnd);
    const plan: Array<{ valid: boolean; make: () => Req }> = [];
    for (let i = 0; i < 5000; i++) plan.push({ valid: false, make: rnd.pick(kinds) });
    for (let i = 0; i < 100; i++) {
      const event = valid[i];
      plan.splice(rnd.int(plan.length), 0, { valid: true, make: () => feishuRequest(event, { encryptKey: APP.encryptKey }) });
    }
    const statuses = new Map<number, number>();
    const validAnswers: number[] = [];
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (cursor < plan.length) {
          const item = plan[cursor++]!;
          const { body, headers } = item.make();
          const response = await fetch(h!.webhook, { method: 'POST', body: body as BodyInit, headers });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          if (item.valid) validAnswers.push(response.status);
        }
      }),
    );
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    expect(validAnswers).toEqual(Array(100).fill(200));
    expect((await fetch(h.bot.url + '/healthz')).status).toBe(200);
    await eventually(() => exactlyOnce(h!.sandbox.messages, 100) || undefined, 'each valid event once', 30_000);
    console.log(`robustness: ${[...statuses].sort().map(([s, n]) => `${n}×${s}`).join(', ')}`);
  }, 90_000);
});

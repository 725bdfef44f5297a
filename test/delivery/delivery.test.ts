// The delivery worker against the sandbox Open Platform over real HTTP, through the real SDK.
import { afterEach, describe, expect, it } from 'vitest';
import { createFeishuClient } from '../../src/feishu/client.js';
import { silentLogger } from '../../src/log.js';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, eventually, sleep, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('delivery', () => {
  it('retries 5xx answers with backoff and delivers once', async () => {
    h = await startHarness();
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'server busy', times: 4 });
    await h.push(remedySeedEvent(identity));
    await h.sandbox.waitForMessages(2);
    const sent = await eventually(async () => {
      const rows = (await h!.bot.store.deliveries({ status: 'sent' }));
      return rows.length === 2 && rows;
    }, 'both sent');
    expect(sent.reduce((n, d) => n + d.attempts, 0)).toBe(6);
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('keeps a permanent failure as a dead delivery with its reason, and other recipients are unaffected', async () => {
    h = await startHarness();
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', code: 230002, msg: 'Bot is not in the chat' });
    h.sandbox.fail({ match: (s) => s.receiveIdType === 'open_id', code: 230013, msg: 'Bot has NO availability to this user' });
    await h.push(remedySeedEvent(identity));
    await h.push(shiftSeedEvent(identity));
    const dead = await eventually(async () => {
      const rows = (await h!.bot.store.deliveries({ status: 'dead' }));
      return rows.length === 3 && rows;
    }, 'three dead deliveries');
    const chatDead = dead.filter((d) => d.receiveIdType === 'chat_id');
    expect(chatDead).toHaveLength(2);
    for (const d of chatDead) expect(d.lastError).toMatch(/^code 230002: HTTP 400: Bot is not in the chat \(the bot is not in the chat\)$/);
    expect(dead.find((d) => d.receiveIdType === 'open_id')!.lastError).toMatch(/230013/);
    expect(dead.every((d) => d.attempts === 1)).toBe(true); // not retried
    await eventually(async () => h!.sandbox.messages.length === 1, 'the remedy DM');
    expect(h.sandbox.messages[0]!.receiveIdType).toBe('user_id');
    expect(h.logs.some((l) => l.includes('"delivery dead"') && l.includes('230002'))).toBe(true);
  });

  it('waits x-ogw-ratelimit-reset after a 429 before trying that recipient again', async () => {
    h = await startHarness();
    h.sandbox.fail({
      match: (s) => s.receiveIdType === 'user_id',
      times: 1,
      httpStatus: 429,
      code: 99991400,
      msg: 'request trigger frequency limit',
      headers: { 'x-ogw-ratelimit-reset': '1' },
    });
    const started = Date.now();
    await h.push(remedySeedEvent(identity));
    await eventually(async () => h!.sandbox.messages.some((m) => m.receiveIdType === 'user_id'), 'the DM', 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const dm = (await h.bot.store.deliveries()).find((d) => d.receiveIdType === 'user_id')!;
    expect(dm.attempts).toBe(2);
  });

  it('fetches a fresh tenant token when Feishu says it is invalid, and retries at once', async () => {
    h = await startHarness();
    await h.push(remedySeedEvent(identity));
    await h.sandbox.waitForMessages(2);
    expect(h.sandbox.stats.tokenRequests).toBe(1);
    h.sandbox.revokeTokens();
    await h.push(shiftSeedEvent(identity));
    await h.sandbox.waitForMessages(4);
    expect(h.sandbox.stats.tokenRequests).toBeGreaterThanOrEqual(2);
    expect(h.logs.filter((l) => l.includes('"delivery dead"'))).toEqual([]);
  });

  it('gives up a failing delivery after the retry horizon, keeping the last error', async () => {
    h = await startHarness({ worker: { horizonMs: 300 } });
    h.sandbox.fail({ httpStatus: 503, code: 0, msg: 'unavailable' });
    await h.push(remedySeedEvent(identity));
    const dead = await eventually(async () => {
      const rows = (await h!.bot.store.deliveries({ status: 'dead' }));
      return rows.length === 2 && rows;
    }, 'both dead');
    for (const d of dead) {
      expect(d.lastError).toMatch(/^gave up after .* HTTP 503: unavailable$/);
      expect(d.attempts).toBeGreaterThan(1);
    }
  });

  it('sends every stored, unsent delivery after a restart', async () => {
    h = await startHarness();
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'down' });
    await h.push(remedySeedEvent(identity));
    await h.push(shiftSeedEvent(identity));
    await eventually(async () => (await h!.bot.store.deliveries()).every((d) => d.attempts > 0), 'an attempt each');
    await h.bot.stop();
    h.sandbox.clearFaults();
    await h.restart();
    await h.sandbox.waitForMessages(4);
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 4, 'all sent');
  });

  it('a resend with the same uuid (sent, then crashed before recording it) does not double the message', async () => {
    h = await startHarness();
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'down' }); // hold the worker back
    await h.push(remedySeedEvent(identity));
    await eventually(async () => (await h!.bot.store.deliveries()).every((d) => d.attempts > 0), 'an attempt each');
    const [first] = (await h.bot.store.deliveries());
    // A send that reached Feishu, but whose success was never recorded:
    h.sandbox.clearFaults();
    const client = createFeishuClient({ appId: APP.appId, appSecret: APP.appSecret, baseUrl: h.sandbox.url, log: silentLogger });
    const early = await client.sendCard({ receiveIdType: first!.receiveIdType, receiveId: first!.receiveId, content: '{"schema":"2.0","body":{"elements":[]}}', uuid: first!.uuid });
    expect(early.ok).toBe(true);
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 2, 'both sent');
    expect(h.sandbox.stats.resendsAbsorbed).toBe(1);
    expect(h.sandbox.messages.filter((m) => m.receiveId === first!.receiveId)).toHaveLength(1);
    const row = (await h.bot.store.deliveries()).find((d) => d.id === first!.id)!;
    expect(row.messageId).toBe(early.ok && early.messageId);
    await sleep(100);
    expect(h.sandbox.messages).toHaveLength(2);
  });
});

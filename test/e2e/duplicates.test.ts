// At-least-once delivery from Feishu, exactly one card per recipient from the bot.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, eventually, sleep, startHarness, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };

function recipientsOf(h: Harness): string[] {
  return h.sandbox.messages.map((m) => `${m.receiveIdType}:${m.receiveId}`).sort();
}

describe('duplicates', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  it('the same event posted three times concurrently, then again after a restart → one card per recipient', async () => {
    const event = remedySeedEvent({ ...identity, eventId: 'ev_dup_1' });
    const answers = await Promise.all([h.push(event), h.push(event), h.push(event)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const outcomes = (await Promise.all(answers.map((a) => a.json()))).map((b) => b.outcome).sort();
    expect(outcomes).toEqual(['accepted', 'duplicate', 'duplicate']);
    await h.sandbox.waitForMessages(2);
    await eventually(async () => (await h.bot.store.deliveries({ status: 'sent' })).length === 2, 'both deliveries sent');

    await h.restart();
    const again = await h.push(event);
    expect(await again.json()).toEqual({ ok: true, outcome: 'duplicate' });
    await sleep(300); // the worker polls every 50 ms: give a wrong second send time to happen
    expect(recipientsOf(h)).toEqual([`chat_id:${APP.teamChat}`, 'user_id:g12xxxxg']);
  });

  it('a v1 event re-pushed with the same uuid is a duplicate', async () => {
    const event = shiftSeedEvent({ ...identity, eventId: 'uuid-same' });
    expect((await (await h.push(event)).json()).outcome).toBe('accepted');
    expect((await (await h.push(event)).json()).outcome).toBe('duplicate');
  });

  it('the same approval under another event id (kind + instance_code) is a duplicate', async () => {
    const first = await h.push(remedySeedEvent({ ...identity, eventId: 'ev_v2_form' }));
    const second = await h.push(remedySeedEvent({ ...identity, eventId: 'ev_other_form' }));
    expect((await first.json()).outcome).toBe('accepted');
    expect((await second.json()).outcome).toBe('duplicate');
    await h.sandbox.waitForMessages(2);
    await sleep(200);
    expect(h.sandbox.messages).toHaveLength(2);
  });

  it('a seed with an empty event_id gets a stable id from its content, so its re-push is a duplicate', async () => {
    const event = remedySeedEvent({ ...identity, eventId: 'x' });
    event.header.event_id = '';
    expect((await (await h.push(event)).json()).outcome).toBe('accepted');
    expect((await (await h.push(event)).json()).outcome).toBe('duplicate');
  });

  it('answers 200 before the IM API answers: a stalled Open Platform does not hold the acknowledgement', async () => {
    // Every send fails with a 500 for now: the event must still be acknowledged at once.
    h.sandbox.fail({ httpStatus: 500, code: 0, msg: 'stalled' });
    const started = Date.now();
    const response = await h.push(shiftSeedEvent(identity));
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    await eventually(async () => (await h.bot.store.deliveries()).some((d) => d.attempts > 0), 'a failed attempt');
    expect(h.sandbox.messages).toHaveLength(0);
    h.sandbox.clearFaults();
    await h.sandbox.waitForMessages(2);
  });
});

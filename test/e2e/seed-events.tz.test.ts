// Both seed events, encrypted and signed, posted to the running bot over HTTP → the sandbox
// Open Platform receives exactly the expected cards through the real SDK.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { remedySeedEvent, shiftSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, cardText, eventually, startHarness, titles, type Harness } from '../support/harness.js';

describe('seed events end to end', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  const identity = { appId: APP.appId, token: APP.verificationToken };

  it('delivers the 补卡 seed to the employee by user_id and to the team chat', async () => {
    const response = await h.push(remedySeedEvent(identity));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: 'accepted' });

    const messages = await h.sandbox.waitForMessages(2);
    const dm = messages.find((m) => m.receiveIdType === 'user_id')!;
    const team = messages.find((m) => m.receiveIdType === 'chat_id')!;
    expect(dm.receiveId).toBe('g12xxxxg');
    expect(team.receiveId).toBe(APP.teamChat);
    expect(messages).toHaveLength(2);
    for (const message of [dm, team]) {
      expect(message.msgType).toBe('interactive');
      // remedy_time 1661333019 (seconds) is 2022-08-24 17:23 in Asia/Shanghai
      expect(titles(message.card)).toEqual({ zh: '补卡已通过 · 17:23', en: '补卡 approved for 17:23' });
      expect(cardText(message.card)).toContain('Clock-in time:** 2022-08-24 17:23 (GMT+8)');
      expect(cardText(message.card, 'zh_cn')).toContain('补卡时间**：2022-08-24 17:23 (GMT+8)');
      expect(cardText(message.card)).toContain('Approval:** FC2CB9B2-966F-4B65-AC7E-B21E04F497CB');
    }
    // The team card shows the employee as a person element, never an @mention.
    expect(team.card.body).toMatchObject({ elements: expect.arrayContaining([expect.objectContaining({ tag: 'person', user_id: 'g12xxxxg' })]) });
    expect(team.content).not.toContain('<at');
  });

  it('delivers the 换班 seed to the employee by open_id and to the team chat', async () => {
    const response = await h.push(shiftSeedEvent(identity));
    expect(response.status).toBe(200);
    const messages = await h.sandbox.waitForMessages(2);
    expect(messages.map((m) => `${m.receiveIdType}:${m.receiveId}`).sort()).toEqual([`chat_id:${APP.teamChat}`, 'open_id:ou_xxx']);
    for (const message of messages) {
      expect(titles(message.card)).toEqual({ zh: '换班 12-01 ↔ 12-02', en: 'Shift change 12-01 ↔ 12-02' });
      expect(cardText(message.card)).toContain('Shift:** 2018-12-01 12:00 (GMT+8)');
      expect(cardText(message.card)).toContain('Return:** 2018-12-02 12:00 (GMT+8)');
      expect(cardText(message.card)).toContain('Reason:** xxx');
    }
  });

  it('announces a one-way 换班 (empty return_time) with a single date', async () => {
    await h.push(shiftSeedEvent(identity, { return_time: '' }));
    const [message] = await h.sandbox.waitForMessages(1);
    expect(titles(message!.card).zh).toBe('换班 12-01');
    expect(cardText(message!.card)).toContain('(one way, no return)');
    expect(cardText(message!.card)).not.toContain('12-02');
  });

  it('opens the approval instance from a button (applink, PC and mobile)', async () => {
    await h.push(remedySeedEvent(identity));
    const [message] = await h.sandbox.waitForMessages(1);
    const button = (message!.card.body as { elements: Array<Record<string, any>> }).elements.find((e) => e.tag === 'button')!;
    const behavior = button.behaviors[0];
    expect(behavior.type).toBe('open_url');
    expect(decodeURIComponent(behavior.pc_url)).toContain('pc/pages/in-process/index?instanceId=FC2CB9B2-966F-4B65-AC7E-B21E04F497CB');
    expect(decodeURIComponent(behavior.default_url)).toContain('pages/detail/index?instanceId=FC2CB9B2-966F-4B65-AC7E-B21E04F497CB');
    expect(behavior.pc_url).toMatch(/^https:\/\/applink\.feishu\.cn\/client\/mini_program\/open\?appId=cli_9cb844403dbb9108&mode=appCenter&path=/);
  });

  it('records the uuid it derived, and the same delivery keeps it', async () => {
    await h.push(remedySeedEvent(identity));
    await h.sandbox.waitForMessages(2);
    const deliveries = await eventually(async () => {
      const sent = (await h.bot.store.deliveries({ status: 'sent' }));
      return sent.length === 2 && sent;
    }, 'both deliveries marked sent');
    const uuids = h.sandbox.messages.map((m) => m.uuid).sort();
    expect(uuids).toEqual(deliveries.map((d) => d.uuid).sort());
    expect(new Set(uuids).size).toBe(2);
    for (const uuid of uuids) expect(uuid!.length).toBeLessThanOrEqual(50);
  });
});

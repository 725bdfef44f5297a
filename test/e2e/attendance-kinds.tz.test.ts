// The attendance approvals end to end: each documented sample, encrypted and signed, posted to the
// running bot → the sandbox Open Platform receives the employee's card and the team card.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leaveSeedEvent, leaveV1SeedEvent, outSeedEvent, overtimeSeedEvent, tripSeedEvent } from '../../src/sandbox/seed-events.js';
import { APP, cardText, eventually, sleep, startHarness, titles, type Harness } from '../support/harness.js';

const identity = { appId: APP.appId, token: APP.verificationToken };

describe('attendance approvals end to end', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const dmAndTeam = async (harness: Harness) => {
    const messages = await harness.sandbox.waitForMessages(2);
    await sleep(150); // a wrong third card would have time to arrive
    expect(harness.sandbox.messages).toHaveLength(2);
    return { dm: messages.find((m) => m.receiveIdType !== 'chat_id')!, team: messages.find((m) => m.receiveIdType === 'chat_id')! };
  };

  it.each([
    ['leave_approvalV2', () => leaveSeedEvent(identity), 'open_id:ou_xxx', '请假已通过 · 09-05 00:00 → 09-07 00:00', 'Leave approved: 09-05 00:00 → 09-07 00:00', '**Duration:** 1.5 days'],
    ['out_approval', () => outSeedEvent(identity), 'open_id:ou_xxx', '外出已通过 · 05-15 15:00 → 18:00', 'Out of office approved: 05-15 15:00 → 18:00', '**Duration:** 3 hours'],
    ['work_approval', () => overtimeSeedEvent(identity), 'open_id:ou_xxx', '加班已通过 · 12-01 12:00 → 12-02 12:00', 'Overtime approved: 12-01 12:00 → 12-02 12:00', '**Duration:** 2 hours'],
    ['trip_group_update_v4', () => tripSeedEvent(identity), 'open_id:ou_0e188d8010729123', '出差已通过 · 08-25 12:00 → 09-01 00:00', 'Business trip approved: 08-25 12:00 → 09-01 00:00', '**Duration:** 6.5 days'],
  ])('delivers the %s sample to the employee and the team chat', async (_, event, employee, zh, en, duration) => {
    h = await startHarness();
    const response = await h.push(event());
    expect(await response.json()).toEqual({ ok: true, outcome: 'accepted' });
    const { dm, team } = await dmAndTeam(h);
    expect(`${dm.receiveIdType}:${dm.receiveId}`).toBe(employee);
    expect(team.receiveId).toBe(APP.teamChat);
    for (const message of [dm, team]) {
      expect(titles(message.card)).toEqual({ zh, en });
      expect(cardText(message.card)).toContain(duration);
      expect(message.content).not.toContain('<at');
    }
  });

  it('makes one card set of leave_approval and leave_approvalV2 for the same leave, in either order', async () => {
    for (const order of [[leaveV1SeedEvent, leaveSeedEvent], [leaveSeedEvent, leaveV1SeedEvent]]) {
      h = await startHarness();
      const first = await h.push(order[0]!(identity));
      const second = await h.push(order[1]!(identity));
      expect([(await first.json()).outcome, (await second.json()).outcome]).toEqual(['accepted', 'duplicate']);
      const { dm } = await dmAndTeam(h);
      expect(cardText(dm.card)).toContain('**Leave type:** 事假');
      await h.close();
      h = undefined;
    }
  });

  it('answers a malformed leave with 200 and a reason, and sends nothing', async () => {
    h = await startHarness();
    const response = await h.push(leaveSeedEvent(identity, { leave_end_time: '2024-09-04 00:00:00' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: 'rejected' });
    await eventually(async () => h!.logs.some((l) => l.includes('leave_end_time 2024-09-04 00:00:00 is before leave_start_time')), 'the reason in the log');
    await sleep(150);
    expect(h.sandbox.messages).toHaveLength(0);
  });

  it('leaves a chat that switched a kind off out of that kind only', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'kinds-')), 'bot.json');
    writeFileSync(file, JSON.stringify({ chats: { [APP.teamChat]: { trip: false } } }));
    h = await startHarness({ env: { CONFIG_FILE: file } });
    await h.push(tripSeedEvent(identity));
    await h.push(outSeedEvent(identity));
    await eventually(async () => (await h!.bot.store.deliveries({ status: 'sent' })).length === 3, 'three cards');
    expect(h.sandbox.messages.map((m) => `${m.receiveId} ${titles(m.card).en.split(':')[0]}`).sort()).toEqual([
      `${APP.teamChat} Out of office approved`,
      'ou_0e188d8010729123 Business trip approved',
      'ou_xxx Out of office approved',
    ]);
  });
});

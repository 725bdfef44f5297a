// The card content of each delivery: team cards and digests name the employee when the names
// source knows them; employee cards (DMs) never ask; a names source that fails never fails a card.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard } from '../../src/cards/text-view.js';
import { cardContents, type EmployeeNames } from '../../src/delivery/card-content.js';
import { silentLogger } from '../../src/log.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Delivery, Store } from '../../src/store/store.js';
import { employeeZones } from '../../src/zones/employee-zones.js';

const templates = loadTemplates();
const REMEDY: ApprovalEvent = { kind: 'remedy', instanceCode: 'I-R', employeeUserId: 'u_zhang', remedyAt: Date.UTC(2026, 10, 21, 5, 3), reason: 'forgot' };
const SHIFT: ApprovalEvent = { kind: 'shift', instanceCode: 'I-S', employeeUserId: 'u_li', employeeOpenId: 'ou_li', shiftTime: '2026-12-01 09:00:00', returnTime: '2026-12-02 09:00:00', reason: 'swap' };
const DIRECTORY: Record<string, string> = { u_zhang: '张三', u_li: '李四' };

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
});

/** A real outbox holding each event's employee and team deliveries, and a digest of the team ones. */
async function outbox(events: ApprovalEvent[]) {
  store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'card-content-')), 'bot.sqlite'));
  for (const [i, event] of events.entries()) {
    const receiveId = event.kind === 'remedy' ? event.employeeUserId : event.employeeOpenId!;
    (await store.recordEvent(
      { eventId: `e${i}`, eventType: 'x', kind: event.kind, instanceCode: event.instanceCode, status: 'accepted', payload: JSON.stringify(event), receivedAt: 1 },
      [
        { audience: 'employee', receiveIdType: event.kind === 'remedy' ? 'user_id' : 'open_id', receiveId, uuid: `dm-${i}` },
        { audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_team', uuid: `team-${i}` },
      ],
    ));
  }
  const all = (await store.deliveries());
  const of = (audience: Delivery['audience'], instanceCode: string) => all.find((d) => d.audience === audience && d.instanceCode === instanceCode)!;
  return {
    store,
    employee: (event: ApprovalEvent) => of('employee', event.instanceCode),
    team: (event: ApprovalEvent) => of('team', event.instanceCode),
    digest: async () => (await store!.createDigest('oc_team', all.filter((d) => d.audience === 'team').map((d) => d.id), 'digest-1', 2))!,
  };
}

/** A names source that records who it was asked about. */
function directory(answer: EmployeeNames['nameFor'] = async (e) => DIRECTORY[e.userId ?? '']) {
  const asked: Array<{ userId?: string; openId?: string }> = [];
  return {
    asked,
    names: { nameFor: (employee: { userId?: string; openId?: string }) => (asked.push(employee), answer(employee)) },
  };
}

function contents(box: Awaited<ReturnType<typeof outbox>>, names?: EmployeeNames) {
  return cardContents({
    templates,
    zones: employeeZones({ overrides: new Map([['u_zhang', 'Asia/Tokyo']]), defaultZone: 'Asia/Shanghai', log: silentLogger }),
    teamZone: 'Asia/Shanghai',
    brand: 'feishu',
    store: box.store,
    names,
  });
}

const read = async (cards: ReturnType<typeof contents>, delivery: Delivery, locale: 'zh_cn' | 'en_us' = 'zh_cn') => {
  const card = JSON.parse(await cards.content(delivery));
  return { card, summary: card.config.summary.i18n_content[locale] as string, lines: describeCard(card, locale) };
};

describe('card content with names', () => {
  it('names the employee in a team card’s preview and title, with the time in their own zone', async () => {
    const box = await outbox([REMEDY, SHIFT]);
    const { asked, names } = directory();
    const cards = contents(box, names);
    const remedy = await read(cards, box.team(REMEDY));
    expect(remedy.summary).toBe('补卡 · 张三 · 14:03'); // Tokyo, from the override
    expect(remedy.lines[0]).toBe('  补卡 · 张三 · 14:03');
    expect((await read(cards, box.team(SHIFT), 'en_us')).summary).toBe('Shift change · 李四 · 12-01 ↔ 12-02');
    expect(asked).toEqual([{ userId: 'u_zhang' }, { userId: 'u_li', openId: 'ou_li' }]);
  });

  it('never asks for a name for the employee’s own card, which stays as it is', async () => {
    const box = await outbox([REMEDY, SHIFT]);
    const { asked, names } = directory();
    const cards = contents(box, names);
    for (const event of [REMEDY, SHIFT]) {
      expect(await cards.content(box.employee(event))).toBe(await contents(box).content(box.employee(event)));
    }
    expect(asked).toEqual([]);
  });

  it('names each member of a digest, asking once per row', async () => {
    const box = await outbox([REMEDY, SHIFT]);
    const { asked, names } = directory();
    const { lines } = await read(contents(box, names), await box.digest());
    expect(lines[2]).toMatch(/^ {2}补卡已通过 · 张三 · 2026-11-21 14:03 \(GMT\+9\) · I-R · /);
    expect(lines[4]).toMatch(/^ {2}换班 · 李四 · 12-01 ↔ 12-02 · 2026-12-01 09:00 \(GMT\+8\) · I-S · /);
    expect(asked).toHaveLength(2);
  });

  it('asks for the name while the zone is being looked up, not after', async () => {
    const box = await outbox([REMEDY]);
    const events: string[] = [];
    let answerZone!: () => void;
    const cards = cardContents({
      templates,
      zones: { zoneFor: () => (events.push('zone asked'), new Promise((resolve) => (answerZone = () => resolve({ zone: 'Asia/Tokyo', source: 'override' })))) },
      teamZone: 'Asia/Shanghai',
      brand: 'feishu',
      store: box.store,
      names: { nameFor: async () => (events.push('name asked'), '张三') },
    });
    const pending = cards.content(box.team(REMEDY));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['zone asked', 'name asked']);
    answerZone();
    expect(JSON.parse(await pending).config.summary.content).toBe('补卡 · 张三 · 14:03');
  });

  it.each([
    ['rejects', directory(async () => Promise.reject(new Error('contact API down')))],
    ['throws before returning a promise', directory(() => { throw new Error('not ready'); })],
    ['does not know the employee', directory(async () => undefined)],
    ['is not configured', undefined],
  ])('reads as before, without an id in the preview, when the names source %s', async (_, source) => {
    const box = await outbox([REMEDY, SHIFT]);
    const cards = contents(box, source?.names);
    const remedy = await read(cards, box.team(REMEDY));
    expect(remedy.summary).toBe('补卡已通过 · 14:03');
    expect(remedy.lines[0]).toBe('  补卡已通过 · 14:03');
    expect(remedy.lines[1]).toBe('  👤 u_zhang (shown by name, not mentioned)'); // who it is, still
    expect((await read(cards, box.team(SHIFT))).summary).toBe('换班 12-01 ↔ 12-02');
    const digest = await read(cards, await box.digest());
    expect(digest.lines[2]).toMatch(/^ {2}补卡已通过 · 2026-11-21 14:03 \(GMT\+9\) · I-R · /);
    expect(digest.lines[4]).toMatch(/^ {2}换班 12-01 ↔ 12-02 · /);
    if (source) expect(source.asked).toHaveLength(4);
  });
});

import { describe, expect, it } from 'vitest';
import { kindForEventType, kindNamed } from '../../src/approvals/index.js';
import type { TripApproved } from '../../src/approvals/types.js';
import { TRIP_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';
import { accepted, card, HOSTILE, inert, normalizeBody, seen, v2With } from '../support/kinds.js';

const trip = kindNamed('trip');
const body = (fields: Record<string, unknown> = {}) => v2With(TRIP_SEED_EXAMPLE, fields);
const asTrip = (fields: Record<string, unknown> = {}) => accepted(body(fields)) as TripApproved;

const leg = (from: string, to: string, start: string, end: string, extra: Record<string, unknown> = {}) => ({
  trip_start_time: start,
  trip_end_time: end,
  departure: from,
  destination: to,
  transportation: '高铁',
  trip_type: '单程',
  ...extra,
});
const THERE_AND_BACK = {
  schedules: [leg('北京', '上海', '2026-12-01 08:00:00', '2026-12-01 12:30:00'), leg('上海', '北京', '2026-12-03 16:00:00', '2026-12-03 20:30:00')],
  trip_interval: '216000',
};

describe('出差 business trip', () => {
  it('reads the sample: start_user ids, string seconds, fellow travellers as objects', () => {
    expect(kindForEventType('approval.instance.trip_group_update_v4')?.kind).toBe('trip');
    expect(asTrip()).toEqual({
      kind: 'trip',
      instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB',
      employeeUserId: 'abc456',
      employeeOpenId: 'ou_0e188d8010729123',
      legs: [{ start: '2022-08-25 12:00:00', end: '2022-09-01 00:00:00', departure: '中国/北京市/北京市/朝阳区', destination: '美国', transportation: '飞机', tripType: '往返' }],
      intervalSeconds: 561600,
      peers: ['ou_0e188d8010729321'],
      reason: 'test',
    });
    expect(trip.employee(asTrip())).toEqual({ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_0e188d8010729123' });
  });

  it('shows each leg, the total duration and the route', () => {
    const event = asTrip(THERE_AND_BACK);
    expect(trip.day(event, 'UTC')).toBe('2026-12-01');
    const zh = seen(event, 'employee', 'zh_cn');
    expect(zh[0]).toBe('  出差已通过 · 12-01 08:00 → 12-03 20:30');
    expect(zh).toEqual(
      expect.arrayContaining([
        '  • 北京 → 上海 · 2026-12-01 08:00 → 12:30 (GMT+8) · 高铁 · 单程',
        '  • 上海 → 北京 · 2026-12-03 16:00 → 20:30 (GMT+8) · 高铁 · 单程',
        '  **出差时长**：2.5 天',
      ]),
    );
    expect(seen(event, 'employee', 'en_us')[0]).toBe('  Business trip approved: 12-01 08:00 → 12-03 20:30');
    expect(seen(event, 'employee', 'en_us')).toContain('  **Duration:** 2.5 days');
    expect(trip.cardVariables(event, { zone: 'Asia/Shanghai', teamZone: 'Asia/Shanghai' }).route).toBe('北京 → 上海 → 北京');
  });

  it('adds up the legs when the trip has no total, and reads their times when they have none', () => {
    const withLegSeconds = asTrip({ trip_interval: undefined, schedules: THERE_AND_BACK.schedules.map((s) => ({ ...s, trip_interval: '86400' })) });
    expect(withLegSeconds.intervalSeconds).toBe(172800);
    const bare = asTrip({ trip_interval: undefined, schedules: THERE_AND_BACK.schedules });
    expect(bare.intervalSeconds).toBeNull();
    // 12-01 08:00 → 12-03 20:30 is 60.5 hours: no whole number of half days, so hours
    expect(seen(bare, 'employee', 'en_us')).toContain('  **Duration:** 60.5 hours');
  });

  it('shows fellow travellers by name with person elements, never a mention, and not the employee', () => {
    const event = asTrip({ trip_peers: ['u_peer1', { id: { open_id: 'ou_peer2' } }, { open_id: 'ou_peer3', user_id: 'u3' }, { id: { user_id: 'abc456' } }, 'u_peer1'] });
    expect(event.peers).toEqual(['u_peer1', 'ou_peer2', 'ou_peer3']);
    const { card: employee, content } = card(event, 'employee');
    const people = (employee.body as { elements: Array<Record<string, unknown>> }).elements.filter((e) => e.tag === 'person');
    expect(people.map((p) => p.user_id)).toEqual(['u_peer1', 'ou_peer2', 'ou_peer3']);
    expect(content).not.toContain('<at');
    expect(seen(event, 'employee', 'en_us')).toContain('  **Travelling with:**');
    expect(seen(asTrip({ trip_peers: [] }), 'employee', 'en_us').join('\n')).not.toContain('Travelling with');
  });

  it('shows at most 10 fellow travellers and says how many more', () => {
    const event = asTrip({ trip_peers: Array.from({ length: 13 }, (_, i) => `u_${i}`) });
    const lines = seen(event, 'team', 'en_us');
    expect(lines.filter((l) => l.startsWith('  👤'))).toHaveLength(11); // the employee and ten
    expect(lines).toContain('  and 3 more');
    expect(seen(event, 'team', 'zh_cn')).toContain('  等另外 3 人');
  });

  it('names the employee on the team card and shows the trip in TIMEZONE when it reads differently', () => {
    const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const, employeeName: '张三' };
    const { card: team } = card(asTrip(THERE_AND_BACK), 'team', ctx);
    expect((team.header as { title: { i18n_content: Record<string, string> } }).title.i18n_content.zh_cn).toBe('出差 · 张三 · 12-01 08:00 → 12-03 20:30');
    expect(seen(asTrip(THERE_AND_BACK), 'team', 'en_us', ctx)).toContain('  **In Asia/Shanghai:** 2026-12-01 07:00 → 2026-12-03 19:30 (GMT+8)');
  });

  it('renders hostile places, transport and reason inertly, each on its line', () => {
    const event = asTrip({ trip_reason: HOSTILE, schedules: [leg(HOSTILE, HOSTILE, '2026-12-01 08:00:00', '2026-12-01 12:30:00', { transportation: HOSTILE, trip_type: HOSTILE })] });
    expect(inert(event)).toEqual([]);
    expect(seen(event, 'employee', 'en_us').filter((l) => l.startsWith('  • '))).toHaveLength(1);
  });

  it('ignores an object whose type is not APPROVED', () => {
    expect(normalizeBody(body({ type: 'REJECTED' }))).toEqual({ ok: false, outcome: 'ignored', reason: 'type REJECTED is not APPROVED' });
  });

  it('takes the employee from employee_id / open_id when there is no start_user', () => {
    expect(asTrip({ start_user: undefined, employee_id: 'u_9', open_id: 'ou_9' })).toMatchObject({ employeeUserId: 'u_9', employeeOpenId: 'ou_9' });
  });

  it.each([
    [{ schedules: [] }, 'schedules is missing or not a list of legs'],
    [{ schedules: 'PEK-SHA' }, 'schedules is missing or not a list of legs'],
    [{ schedules: [42] }, 'schedules[0] is not a leg'],
    [{ schedules: [leg('a', 'b', '2026-12-02 08:00:00', '2026-12-01 08:00:00')] }, 'schedules[0].trip_end_time 2026-12-01 08:00:00 is before schedules[0].trip_start_time'],
    [{ schedules: [leg('a', 'b', 'soon', '2026-12-01 08:00:00')] }, 'schedules[0].trip_start_time "soon" is not a time'],
    [{ schedules: [leg('a', 'b', '2026-12-01 08:00:00', '2026-12-01 09:00:00', { departure: { city: 'x' } })] }, 'departure is not a string'],
    [{ start_user: { id: { open_id: '<at id=all>' } } }, 'start_user.open_id "<at id=all>" is not an id'],
    [{ start_user: undefined }, 'neither start_user nor open_id nor employee_id names the employee'],
    [{ trip_peers: ['ou_ok', 'not an id!'] }, 'trip_peers[1] "not an id!" is not a user id'],
    [{ trip_peers: [{ id: {} }] }, 'trip_peers[0] names no one'],
    [{ trip_peers: 5 }, 'trip_peers is not a list of people'],
    [{ trip_interval: '-1' }, 'trip_interval "-1" is not a number of seconds'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = normalizeBody(body(fields));
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });
});

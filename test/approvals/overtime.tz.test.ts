import { describe, expect, it } from 'vitest';
import { kindForEventType, kindNamed } from '../../src/approvals/index.js';
import type { OvertimeApproved } from '../../src/approvals/types.js';
import { OVERTIME_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';
import { accepted, card, HOSTILE, inert, normalizeBody, seen, v1With } from '../support/kinds.js';

const overtime = kindNamed('overtime');
const body = (fields: Record<string, unknown> = {}) => v1With(OVERTIME_SEED_EXAMPLE, fields);
const asOvertime = (fields: Record<string, unknown> = {}) => accepted(body(fields)) as OvertimeApproved;

const TWO_EVENINGS = {
  allow_multi_time_range: 1,
  time_range: [
    { work_start_time: '2026-12-01 19:00:00', work_end_time: '2026-12-01 22:00:00' },
    { work_start_time: '2026-12-03 19:00:00', work_end_time: '2026-12-03 21:30:00' },
  ],
  work_start_time: '2026-12-01 19:00:00',
  work_end_time: '2026-12-03 21:30:00',
  work_interval: 19800,
};

describe('加班 overtime', () => {
  it('reads the sample', () => {
    expect(kindForEventType('work_approval')?.kind).toBe('overtime');
    expect(asOvertime()).toEqual({
      kind: 'overtime',
      instanceCode: '99E91302-17F7-4FE2-1234-F4E73Axxx',
      approvalCode: '5B432123-848C-49BD-1234-11EF0Exxx',
      employeeUserId: 'xxx',
      employeeOpenId: 'ou_xxx',
      overtimeType: { zh_cn: 'xxx', en_us: 'xxx', ja_jp: 'xxx' },
      ranges: [{ start: '2018-12-01 12:00:00', end: '2018-12-02 12:00:00' }],
      intervalSeconds: 7200,
      reason: '提交加班',
    });
  });

  it('shows each range of a multi-range request, and the days in the title', () => {
    const event = asOvertime(TWO_EVENINGS);
    expect(overtime.day(event, 'UTC')).toBe('2026-12-01');
    const zh = seen(event, 'employee', 'zh_cn');
    expect(zh[0]).toBe('  加班已通过 · 12-01 → 12-03');
    expect(zh).toEqual(expect.arrayContaining(['  **加班时间**：', '  • 2026-12-01 19:00 → 22:00 (GMT+8)', '  • 2026-12-03 19:00 → 21:30 (GMT+8)', '  **加班时长**：5.5 小时']));
    expect(seen(event, 'employee', 'en_us')).toContain('  **Duration:** 5.5 hours');
  });

  it('shows several ranges within one day under that day', () => {
    const event = asOvertime({
      time_range: [
        { work_start_time: '2026-12-01 06:00:00', work_end_time: '2026-12-01 08:00:00' },
        ['2026-12-01 19:00:00', '2026-12-01 21:00:00'],
      ],
      work_interval: undefined,
    });
    expect(seen(event, 'employee', 'en_us')[0]).toBe('  Overtime approved: 12-01');
    // No work_interval: the ranges' own lengths, added up.
    expect(seen(event, 'employee', 'en_us')).toContain('  **Duration:** 4 hours');
  });

  it('shows the one range inline when there is one, also when the list is missing (its name is unconfirmed)', () => {
    for (const fields of [{ time_range: undefined }, { time_range: [] }, { time_range: 'not json' }, { allow_multi_time_range: 0, time_range: undefined }]) {
      const event = asOvertime({ ...TWO_EVENINGS, ...fields });
      expect(event.ranges).toEqual([{ start: '2026-12-01 19:00:00', end: '2026-12-03 21:30:00' }]);
      expect(seen(event, 'employee', 'en_us')).toContain('  **When:** 2026-12-01 19:00 → 2026-12-03 21:30 (GMT+8)');
      expect(seen(event, 'employee', 'en_us')[0]).toBe('  Overtime approved: 12-01 19:00 → 12-03 21:30');
    }
  });

  it('shows each range in TIMEZONE too on a team card when it reads differently', () => {
    const lines = seen(asOvertime(TWO_EVENINGS), 'team', 'en_us', { zone: 'Europe/Berlin', teamZone: 'Asia/Shanghai', brand: 'feishu' });
    expect(lines).toEqual(expect.arrayContaining(['  **In Asia/Shanghai:** ', '  • 2026-12-02 02:00 → 05:00 (GMT+8)', '  • 2026-12-04 02:00 → 04:30 (GMT+8)']));
  });

  it('lists at most 8 ranges and says how many more', () => {
    const time_range = Array.from({ length: 12 }, (_, i) => ({ work_start_time: `2026-12-${String(i + 1).padStart(2, '0')} 19:00:00`, work_end_time: `2026-12-${String(i + 1).padStart(2, '0')} 20:00:00` }));
    const lines = seen(asOvertime({ time_range }), 'employee', 'en_us');
    expect(lines.filter((l) => l.startsWith('  • '))).toHaveLength(8);
    expect(lines).toContain('  … (+4)');
  });

  it('names the employee on the team card and renders hostile text inertly', () => {
    const { card: team } = card(asOvertime(TWO_EVENINGS), 'team', { zone: 'Asia/Shanghai', brand: 'feishu', employeeName: '王五' });
    expect((team.config as { summary: { i18n_content: Record<string, string> } }).summary.i18n_content.zh_cn).toBe('加班 · 王五 · 12-01 → 12-03');
    expect(inert(asOvertime({ work_reason: HOSTILE, work_type: HOSTILE }))).toEqual([]);
  });

  it.each([
    [{ time_range: [{ work_start_time: '2026-12-01 19:00:00' }] }, 'time_range[0].work_end_time is missing'],
    [{ time_range: [{ work_start_time: '2026-12-01 19:00:00', work_end_time: '2026-12-01 18:00:00' }] }, 'time_range[0].work_end_time 2026-12-01 18:00:00 is before time_range[0].work_start_time'],
    [{ time_range: [7] }, 'time_range[0] is not a time range'],
    [{ time_range: 7 }, 'time_range is not a list'],
    [{ time_range: undefined, work_start_time: 'tonight' }, 'work_start_time "tonight" is not a time'],
    [{ employee_id: '', open_id: '' }, 'neither open_id nor employee_id nor user_id names the employee'],
    [{ work_interval: 'NaN' }, 'work_interval "NaN" is not a number of seconds'],
    [{ work_type: { name: 'x' } }, 'work_type is not a string'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = normalizeBody(body(fields));
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });
});

import { describe, expect, it } from 'vitest';
import { kindForEventType, kindNamed } from '../../src/approvals/index.js';
import type { LeaveApproved } from '../../src/approvals/types.js';
import { LEAVE_SEED_EXAMPLE, LEAVE_V1_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';
import { accepted, card, HOSTILE, inert, normalizeBody, seen, v1With } from '../support/kinds.js';

const leave = kindNamed('leave');
const v2 = (fields: Record<string, unknown> = {}) => v1With(LEAVE_SEED_EXAMPLE, fields);
const v1 = (fields: Record<string, unknown> = {}) => v1With(LEAVE_V1_SEED_EXAMPLE, fields);
const asLeave = (body: unknown) => accepted(body) as LeaveApproved;

/** A leave in Shanghai from 12-01 09:00 to 12-03 18:00, three days. */
const THREE_DAYS = { leave_start_time: '2026-12-01 09:00:00', leave_end_time: '2026-12-03 18:00:00', leave_interval: 259200, leave_unit: 'DAY' };

describe('请假 leave: both events Feishu sends are one kind', () => {
  it('maps leave_approvalV2 and leave_approval to kind leave, for the same instance', () => {
    expect(kindForEventType('leave_approvalV2')?.kind).toBe('leave');
    expect(kindForEventType(' leave_approval')?.kind).toBe('leave');
    expect(asLeave(v2()).instanceCode).toBe(asLeave(v1()).instanceCode);
  });

  it('reads the V2 sample: printed i18n_resources, user_id, a unit by name', () => {
    expect(asLeave(v2())).toEqual({
      kind: 'leave',
      instanceCode: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234',
      approvalCode: '59558CEE-CEF4-45C9-1234-UVDE8BEC1234',
      employeeUserId: 'g6964xxx',
      employeeOpenId: 'ou_xxx',
      // zh_cn is the default locale: the other languages fall back to its text
      leaveType: { zh_cn: '事假', en_us: '事假', ja_jp: '事假' },
      start: '2024-09-05 00:00:00',
      end: '2024-09-07 00:00:00',
      intervalSeconds: 129600,
      unit: 'HALF_DAY',
      reason: '请假审批',
    });
  });

  it('reads the leave_approval sample: employee_id, the type as text, a numbered unit', () => {
    expect(asLeave(v1())).toMatchObject({ employeeUserId: 'g6964xxx', employeeOpenId: 'ou_xxx', leaveType: { zh_cn: '事假', en_us: '事假', ja_jp: '事假' }, unit: 'HALF_DAY' });
    expect(asLeave(v1({ leave_unit: 1 })).unit).toBe('DAY');
    expect(asLeave(v1({ leave_unit: 3 })).unit).toBe('HOUR');
    expect(asLeave(v1({ leave_unit: 5 })).unit).toBe('MINUTE');
  });

  it('gives the same card for either event, apart from the leave type the V2 event can localize', () => {
    const both = [asLeave(v2(THREE_DAYS)), asLeave(v1(THREE_DAYS))];
    const [fromV2, fromV1] = both.map((event) => card(event, 'team').content);
    expect(fromV2).toBe(fromV1);
  });

  it('DMs the open_id, or the user_id when there is none', () => {
    expect(leave.employee(asLeave(v2()))).toEqual({ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_xxx' });
    expect(leave.employee(asLeave(v2({ open_id: '' })))).toEqual({ audience: 'employee', receiveIdType: 'user_id', receiveId: 'g6964xxx' });
    expect(leave.identity(asLeave(v1({ open_id: undefined })))).toEqual({ userId: 'g6964xxx', openId: undefined });
  });

  it('is about the day the leave starts, as the employee’s calendar reads it', () => {
    expect(leave.day(asLeave(v2(THREE_DAYS)), 'Pacific/Kiritimati')).toBe('2026-12-01');
  });
});

describe('请假 leave: the leave type in each card language', () => {
  const RESOURCES = [
    { locale: 'zh_cn', is_default: true, texts: { '@i18n@1': '年假' } },
    { locale: 'en_us', is_default: false, texts: { '@i18n@1': 'Annual leave' } },
  ];

  it('takes each locale’s text, else the default locale’s', () => {
    const event = asLeave(v2({ leave_name: '@i18n@1', i18n_resources: RESOURCES }));
    expect(event.leaveType).toEqual({ zh_cn: '年假', en_us: 'Annual leave', ja_jp: '年假' });
    expect(seen(event, 'employee', 'en_us')).toContain('  **Leave type:** Annual leave');
    expect(seen(event, 'employee', 'zh_cn')).toContain('  **假期类型**：年假');
  });

  it('reads i18n_resources as a list of objects, of JSON strings, or the printed text', () => {
    const asStrings = RESOURCES.map((r) => JSON.stringify(r));
    const printed = '[{is_default=true,locale=zh_cn,texts={@i18n@1=年假, @i18n@2=病假}}, {is_default=false,locale=en_us,texts={@i18n@1=Annual leave}}]';
    for (const resources of [RESOURCES, asStrings, JSON.stringify(RESOURCES), printed]) {
      expect(asLeave(v2({ leave_name: '@i18n@1', i18n_resources: resources })).leaveType).toMatchObject({ zh_cn: '年假', en_us: 'Annual leave' });
    }
  });

  it('shows a neutral word, never the key, for a key no resource names', () => {
    for (const resources of [undefined, [], 'garbage that is not a list', [{ locale: 'zh_cn', texts: { other: 'x' } }], [42, null, { locale: 3 }]]) {
      const event = asLeave(v2({ leave_name: '@i18n@<at id=all></at>', i18n_resources: resources }));
      expect(event.leaveType).toEqual({});
      const text = ['zh_cn', 'en_us', 'ja_jp'].flatMap((l) => seen(event, 'team', l as 'zh_cn')).join('\n');
      expect(text).not.toContain('@i18n@');
      expect(seen(event, 'team', 'zh_cn')).toContain('  **假期类型**：请假');
      expect(seen(event, 'team', 'en_us')).toContain('  **Leave type:** Leave');
      expect(seen(event, 'team', 'ja_jp')).toContain('  **休暇の種類**：休暇');
    }
  });

  it('falls back per locale: a locale with no text and no default shows the neutral word', () => {
    const event = asLeave(v2({ leave_name: '@i18n@1', i18n_resources: [{ locale: 'en_us', is_default: false, texts: { '@i18n@1': 'Sick leave' } }] }));
    expect(event.leaveType).toEqual({ en_us: 'Sick leave' });
    expect(seen(event, 'employee', 'zh_cn')).toContain('  **假期类型**：请假');
    expect(seen(event, 'employee', 'en_us')).toContain('  **Leave type:** Sick leave');
  });

  it('puts a name on one line and cuts it at 40 characters', () => {
    const event = asLeave(v1({ leave_type: `年假\n**second line**\u202E${'长'.repeat(60)}` }));
    expect(Array.from(event.leaveType.zh_cn!)).toHaveLength(40);
    expect(event.leaveType.zh_cn).toMatch(/^年假 \*\*second line\*\* 长+…$/);
  });
});

describe('请假 leave: the card', () => {
  it('titles the span in the employee’s zone, in each language', () => {
    const event = asLeave(v2(THREE_DAYS));
    expect(seen(event, 'employee', 'zh_cn')[0]).toBe('  请假已通过 · 12-01 09:00 → 12-03 18:00');
    expect(seen(event, 'employee', 'en_us')[0]).toBe('  Leave approved: 12-01 09:00 → 12-03 18:00');
    expect(seen(event, 'employee', 'ja_jp')[0]).toBe('  休暇が承認されました · 12-01 09:00 → 12-03 18:00');
    expect(seen(event, 'employee', 'en_us')).toContain('  **When:** 2026-12-01 09:00 → 2026-12-03 18:00 (GMT+8)');
  });

  it('reads the zone-less times in the employee’s zone, and shows the team’s reading when it differs', () => {
    const event = asLeave(v2(THREE_DAYS));
    const tokyo = seen(event, 'team', 'en_us', { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' });
    expect(tokyo[0]).toBe('  Leave approved: 12-01 09:00 → 12-03 18:00');
    expect(tokyo).toContain('  **When:** 2026-12-01 09:00 → 2026-12-03 18:00 (GMT+9)');
    expect(tokyo).toContain('  **In Asia/Shanghai:** 2026-12-01 08:00 → 2026-12-03 17:00 (GMT+8)');
    expect(seen(event, 'team', 'en_us').join('\n')).not.toContain('In Asia/Shanghai');
  });

  it.each([
    [{ leave_interval: 259200, leave_unit: 'DAY' }, '3 天', '3 days', '3日'],
    [{ leave_interval: 86400, leave_unit: 'DAY' }, '1 天', '1 day', '1日'],
    [{ leave_interval: 43200, leave_unit: 'HALF_DAY' }, '半天', 'half a day', '半日'],
    [{ leave_interval: 129600, leave_unit: 2 }, '1.5 天', '1.5 days', '1.5日'],
    [{ leave_interval: 9000, leave_unit: 'HOUR' }, '2.5 小时', '2.5 hours', '2.5時間'],
    [{ leave_interval: 1800, leave_unit: 'HALF_HOUR' }, '30 分钟', '30 minutes', '30分'],
    // a day unit whose seconds are no whole number of half days: hours, not a wrong day count
    [{ leave_interval: 32400, leave_unit: 'DAY' }, '9 小时', '9 hours', '9時間'],
    // no interval: the span of the wall clocks, by the unit
    [{ leave_interval: undefined, leave_unit: 'DAY', leave_start_time: '2026-12-01 00:00:00', leave_end_time: '2026-12-03 00:00:00' }, '2 天', '2 days', '2日'],
  ])('says the duration of %j the way people say it', (fields, zh, en, ja) => {
    const event = asLeave(v2({ ...THREE_DAYS, ...fields }));
    expect(seen(event, 'employee', 'zh_cn')).toContain(`  **请假时长**：${zh}`);
    expect(seen(event, 'employee', 'en_us')).toContain(`  **Duration:** ${en}`);
    expect(seen(event, 'employee', 'ja_jp')).toContain(`  **日数・時間**：${ja}`);
  });

  it('counts a day across a daylight-saving change as a day', () => {
    const event = asLeave(v2({ leave_start_time: '2026-03-07 00:00:00', leave_end_time: '2026-03-09 00:00:00', leave_interval: undefined, leave_unit: 'DAY' }));
    expect(seen(event, 'employee', 'en_us', { zone: 'America/New_York', brand: 'feishu' })).toContain('  **Duration:** 2 days');
  });

  it('names the employee in the team card’s title and preview, with a person element', () => {
    const { card: team } = card(asLeave(v2(THREE_DAYS)), 'team', { zone: 'Asia/Shanghai', brand: 'feishu', employeeName: '张三' });
    const header = team.header as { title: { i18n_content: Record<string, string> } };
    expect(header.title.i18n_content).toEqual({
      zh_cn: '请假 · 张三 · 12-01 09:00 → 12-03 18:00',
      en_us: 'Leave · 张三 · 12-01 09:00 → 12-03 18:00',
      ja_jp: '休暇 · 张三 · 12-01 09:00 → 12-03 18:00',
    });
    expect((team.config as { summary: { content: string } }).summary.content).toBe('请假 · 张三 · 12-01 09:00 → 12-03 18:00');
    expect(JSON.stringify(team)).toContain('{"tag":"person","user_id":"ou_xxx"');
    expect(seen(asLeave(v2(THREE_DAYS)), 'team', 'en_us')[0]).toBe('  Leave approved: 12-01 09:00 → 12-03 18:00');
  });

  it('renders hostile text from the event inertly', () => {
    const event = asLeave(v2({ leave_reason: HOSTILE, leave_name: '@i18n@1', i18n_resources: [{ locale: 'zh_cn', is_default: true, texts: { '@i18n@1': HOSTILE } }] }));
    expect(inert(event)).toEqual([]);
    expect(seen(event, 'team', 'en_us').join('\n')).toContain('x <at id=all></at> [y](https://evil.example) **bold** # h');
  });
});

describe('请假 leave: bad input', () => {
  it.each([
    [{ instance_code: '' }, 'instance_code is missing'],
    [{ user_id: '', open_id: '' }, 'neither open_id nor employee_id nor user_id names the employee'],
    [{ leave_start_time: undefined }, 'leave_start_time is missing'],
    [{ leave_start_time: 1733040000 }, 'leave_start_time is missing or not a time'],
    [{ leave_start_time: '2026-02-30 09:00:00' }, 'leave_start_time "2026-02-30 09:00:00" is not a time'],
    [{ leave_end_time: '2024-09-04 23:59:59' }, 'leave_end_time 2024-09-04 23:59:59 is before leave_start_time 2024-09-05 00:00:00'],
    [{ leave_interval: -5 }, 'leave_interval -5 is not a number of seconds'],
    [{ leave_interval: 'three days' }, 'leave_interval "three days" is not a number of seconds'],
    [{ leave_interval: 1e12 }, 'is not a number of seconds'],
    [{ leave_unit: { day: 1 } }, 'leave_unit an object is not a unit'],
    [{ leave_name: ['@i18n@1'] }, 'leave_name is not a string'],
    [{ i18n_resources: { zh_cn: '事假' } }, 'i18n_resources is not a list'],
    [{ leave_reason: 42 }, 'leave_reason is not a string'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = normalizeBody(v2(fields));
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });

  it('takes a unit it does not know as no unit, not as an error', () => {
    expect(asLeave(v2({ leave_unit: 'FORTNIGHT' })).unit).toBeNull();
    expect(asLeave(v1({ leave_unit: 9 })).unit).toBeNull();
  });
});

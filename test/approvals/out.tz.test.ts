import { describe, expect, it } from 'vitest';
import { kindForEventType, kindNamed } from '../../src/approvals/index.js';
import type { OutApproved } from '../../src/approvals/types.js';
import { OUT_SEED_EXAMPLE } from '../../src/sandbox/seed-events.js';
import { accepted, card, HOSTILE, inert, normalizeBody, seen, v1With } from '../support/kinds.js';

const out = kindNamed('out');
const body = (fields: Record<string, unknown> = {}) => v1With(OUT_SEED_EXAMPLE, fields);
const asOut = (fields: Record<string, unknown> = {}) => accepted(body(fields)) as OutApproved;

describe('外出 out of office', () => {
  it('reads the sample: i18n_resources as a list of JSON strings, user_id and open_id', () => {
    expect(kindForEventType('out_approval')?.kind).toBe('out');
    expect(asOut()).toEqual({
      kind: 'out',
      instanceCode: '59558CEE-CEF4-45C9-A2C3-DCBF8BEC7341',
      approvalCode: '48558CEF-CEF4-45C9-A2C3-DCBF8BEC7341',
      employeeUserId: 'g6964gd3',
      employeeOpenId: 'ou_xxx',
      outType: { zh_cn: '中文文案', en_us: '中文文案', ja_jp: '中文文案' },
      start: '2020-05-15 15:00:00',
      end: '2020-05-15 18:00:00',
      intervalSeconds: 10800,
      unit: 'HOUR',
      reason: '外出事由',
    });
    expect(out.employee(asOut())).toEqual({ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_xxx' });
    expect(out.day(asOut(), 'UTC')).toBe('2020-05-15');
  });

  it('titles a span within a day with its date once, and words the duration by the unit', () => {
    const event = asOut();
    expect(seen(event, 'employee', 'zh_cn')[0]).toBe('  外出已通过 · 05-15 15:00 → 18:00');
    expect(seen(event, 'employee', 'en_us')[0]).toBe('  Out of office approved: 05-15 15:00 → 18:00');
    expect(seen(event, 'employee', 'en_us')).toContain('  **When:** 2020-05-15 15:00 → 18:00 (GMT+8)');
    expect(seen(event, 'employee', 'en_us')).toContain('  **Duration:** 3 hours');
    expect(seen(asOut({ out_unit: 'HALR_DAY', out_interval: 43200 }), 'employee', 'zh_cn')).toContain('  **外出时长**：半天');
    expect(seen(asOut({ out_unit: 'DAY', out_interval: 172800 }), 'employee', 'ja_jp')).toContain('  **時間**：2日');
  });

  it('resolves the type per locale and never shows an unresolved key', () => {
    const resources = [
      { locale: 'zh_cn', is_default: true, texts: { '@i18n@visit': '拜访客户' } },
      { locale: 'ja_jp', is_default: false, texts: { '@i18n@visit': '顧客訪問' } },
    ];
    const event = asOut({ out_name: '@i18n@visit', i18n_resources: resources });
    expect(seen(event, 'team', 'zh_cn')).toContain('  **外出类型**：拜访客户');
    expect(seen(event, 'team', 'en_us')).toContain('  **Type:** 拜访客户');
    expect(seen(event, 'team', 'ja_jp')).toContain('  **外出の種類**：顧客訪問');
    const unknown = asOut({ out_name: '@i18n@nowhere' });
    expect(seen(unknown, 'team', 'en_us')).toContain('  **Type:** Out of office');
    expect(JSON.stringify(card(unknown, 'team').card)).not.toContain('@i18n@');
  });

  it('names the employee on the team card', () => {
    const { card: team } = card(asOut(), 'team', { zone: 'Asia/Shanghai', brand: 'feishu', employeeName: 'Li Si' });
    expect((team.header as { title: { i18n_content: Record<string, string> } }).title.i18n_content.en_us).toBe('Out of office · Li Si · 05-15 15:00 → 18:00');
  });

  it('renders hostile text inertly', () => {
    expect(inert(asOut({ out_reason: HOSTILE, out_name: HOSTILE }))).toEqual([]);
  });

  it.each([
    [{ instance_code: 7 }, 'instance_code is missing'],
    [{ user_id: undefined, open_id: undefined }, 'neither open_id nor user_id nor employee_id names the employee'],
    [{ out_end_time: '2020-05-15 14:59:59' }, 'out_end_time 2020-05-15 14:59:59 is before out_start_time 2020-05-15 15:00:00'],
    [{ out_start_time: '2020-05-15 25:00:00' }, 'out_start_time "2020-05-15 25:00:00" is not a time'],
    [{ out_interval: [10800] }, 'out_interval an array is not a number of seconds'],
    [{ out_unit: true }, 'out_unit true is not a unit'],
    [{ i18n_resources: 42 }, 'i18n_resources is not a list'],
  ])('rejects %j: %s', (fields, reason) => {
    const result = normalizeBody(body(fields));
    expect(result).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(!result.ok && result.reason).toContain(reason);
  });
});

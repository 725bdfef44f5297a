// A digest row for each attendance kind: what, who, when, how long — with the event's words escaped.
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { renderDigest } from '../../src/cards/digest.js';
import { describeCard } from '../../src/cards/text-view.js';
import { markdownStrings } from '../support/markdown.js';

const HOSTILE = '<at id=all></at> [x](https://evil.example) **b**';
const ctx = { zone: 'Asia/Shanghai', brand: 'feishu' as const };
const events: ApprovalEvent[] = [
  { kind: 'leave', instanceCode: 'L-1', employeeOpenId: 'ou_1', leaveType: { zh_cn: HOSTILE, en_us: HOSTILE, ja_jp: HOSTILE }, start: '2026-12-01 09:00:00', end: '2026-12-01 18:00:00', intervalSeconds: 43200, unit: 'HALF_DAY', reason: '' },
  { kind: 'out', instanceCode: 'O-1', employeeOpenId: 'ou_2', outType: {}, start: '2026-12-01 14:00:00', end: '2026-12-01 16:00:00', intervalSeconds: 7200, unit: 'HOUR', reason: '' },
  { kind: 'overtime', instanceCode: 'W-1', employeeUserId: 'u_3', overtimeType: { en_us: 'Paid overtime' }, ranges: [{ start: '2026-12-01 19:00:00', end: '2026-12-01 21:00:00' }], intervalSeconds: null, reason: '' },
  { kind: 'trip', instanceCode: 'T-1', employeeOpenId: 'ou_4', legs: [{ start: '2026-12-01 08:00:00', end: '2026-12-02 08:00:00', departure: HOSTILE, destination: '上海', transportation: '', tripType: '' }], intervalSeconds: 86400, peers: [], reason: '' },
];

describe('digest rows of the attendance kinds', () => {
  it('say what, when and how long in each language, leaving out a type that is only the neutral word', () => {
    const { card } = renderDigest(events, ctx);
    const en = describeCard(card, 'en_us');
    expect(en[2]).toMatch(/^ {2}Leave approved · <at id=all><\/at> \[x\]\(https:\/\/evil\.example\) \*\*b\*\* · 2026-12-01 09:00 → 18:00 \(GMT\+8\) · half a day · L-1 · /);
    expect(en[4]).toMatch(/^ {2}Out of office approved · 2026-12-01 14:00 → 16:00 \(GMT\+8\) · 2 hours · O-1 · /);
    expect(en[6]).toMatch(/^ {2}Overtime approved · Paid overtime · 2026-12-01 19:00 → 21:00 \(GMT\+8\) · 2 hours · W-1 · /);
    expect(en[8]).toMatch(/^ {2}Business trip approved · <at id=all><\/at> .* → 上海 · 2026-12-01 08:00 → 2026-12-02 08:00 \(GMT\+8\) · 1 day · T-1 · /);
    expect(describeCard(card, 'zh_cn')[6]).toMatch(/^ {2}加班已通过 · 2026-12-01 19:00 → 21:00 \(GMT\+8\) · 2 小时 · W-1/);
    expect(describeCard(card, 'ja_jp')[2]).toContain('休暇承認 · ');
  });

  it('escape the event’s words: no mention, link or style but the approval link', () => {
    const { card } = renderDigest(events, (i) => ({ ...ctx, employeeName: i === 0 ? '**张三**' : undefined }));
    for (const text of markdownStrings(card)) {
      expect(text).not.toMatch(/<at/i);
      expect(text).not.toContain('**');
      expect(text.match(/\]\(/g) ?? []).toHaveLength(1);
      expect(text).toMatch(/\]\(https:\/\/applink\.feishu\.cn\//);
    }
    const people = (card.body as { elements: Array<Record<string, unknown>> }).elements.filter((e) => e.tag === 'person');
    expect(people.map((p) => p.user_id)).toEqual(['ou_1', 'ou_2', 'u_3', 'ou_4']);
  });
});

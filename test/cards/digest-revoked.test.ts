// Digest rows revoked after the digest was sent: marked and struck, the link kept, and the digest
// still within Feishu's 30 KB however many of its rows are revoked.
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { CARD_MAX_BYTES } from '../../src/cards/card.js';
import { fitDigest, renderDigest, REVOKED_ROW_MARK } from '../../src/cards/digest.js';
import { LOCALES } from '../../src/cards/locales.js';
import type { Json } from '../../src/ingest/envelope.js';
import { markdownStrings } from '../support/markdown.js';
import { GOLDEN_EVENTS } from './golden-events.js';

const ctx = { zone: 'Asia/Shanghai', brand: 'feishu' as const };
const events = [GOLDEN_EVENTS.remedy, GOLDEN_EVENTS.shift, GOLDEN_EVENTS.leave];
type Row = { tag: string; content: string; i18n_content: Record<string, string> };
const rowsOf = (card: Json) => (card.body as { elements: Row[] }).elements.filter((e) => e.tag === 'markdown');
const header = (card: Json) => card.header as { template: string; title: unknown };

describe('a digest with a revoked row', () => {
  const before = renderDigest(events, ctx).card;
  const after = renderDigest(events, ctx, (i) => i === 1).card;

  it('marks the row in each locale and strikes its text, keeping the link outside the strike', () => {
    const row = rowsOf(after)[1]!;
    for (const locale of LOCALES) {
      const text = row.i18n_content[locale]!;
      const link = /· (\[[^\]]+\]\(https:\/\/applink\.feishu\.cn\/[^)]+\))$/.exec(text)![1]!;
      expect(text.startsWith(`**${REVOKED_ROW_MARK[locale]}** · ~~`)).toBe(true);
      expect(text.endsWith(`~~ · ${link}`)).toBe(true);
      expect(rowsOf(before)[1]!.i18n_content[locale]).toContain(link); // the same link as before
    }
    expect(row.content).toBe(row.i18n_content.zh_cn);
  });

  it('leaves the other rows, the title and the preview as they were, and the header colour', () => {
    expect(rowsOf(after)[0]).toEqual(rowsOf(before)[0]);
    expect(rowsOf(after)[2]).toEqual(rowsOf(before)[2]);
    expect(after.config).toEqual(before.config);
    expect(header(after)).toEqual(header(before));
    expect(header(after).template).not.toBe('grey');
  });

  it('turns the header grey once every row is revoked, the title unchanged', () => {
    const all = renderDigest(events, ctx, () => true).card;
    expect(header(all).template).toBe('grey');
    expect(header(all).title).toEqual(header(before).title);
    expect(all.config).toEqual(before.config);
  });

  it('keeps a hostile name inert in a struck row: no mention, no extra link, no strike ended early', () => {
    const { card } = renderDigest(events, { ...ctx, employeeName: '~~x~~ <at id=all></at> [y](https://evil.example)' }, () => true);
    for (const text of markdownStrings(card)) {
      expect(text).not.toMatch(/<at/i);
      expect(text.match(/\]\(/g)).toHaveLength(1);
      expect(text.match(/~~/g)).toHaveLength(2);
    }
  });
});

describe('the largest digest fitDigest allows, every row revoked', () => {
  // Many approvals waiting: fitDigest takes as many as fit, sized without names or revocations.
  const waiting: ApprovalEvent[] = Array.from({ length: 200 }, (_, i) => ({ ...GOLDEN_EVENTS.trip, instanceCode: `TRIP-${String(i).padStart(6, '0')}` }));
  const few = Array.from({ length: 200 }, (_, i) => ({ ...GOLDEN_EVENTS.remedy, instanceCode: `R-${i}` }));

  for (const [what, items] of [['long rows', waiting], ['short rows', few]] as const) {
    it(`${what}: fits 30 KB with names of usual length, and with the longest names, names dropped first`, () => {
      const fitted = fitDigest(items, (e) => e, ctx);
      expect(fitted.items.length).toBeGreaterThan(10);
      expect(fitted.items.length).toBeLessThan(90); // it stopped for size, not at the row limit: it is full
      for (const name of ['张三', '名'.repeat(40)]) {
        const { card, content } = renderDigest(fitted.items, { ...ctx, employeeName: name }, () => true);
        expect(Buffer.byteLength(content)).toBeLessThanOrEqual(CARD_MAX_BYTES);
        const rows = rowsOf(card);
        expect(rows).toHaveLength(fitted.items.length);
        // Every row still says it is revoked, struck through.
        for (const row of rows) expect(row.content).toMatch(/^\*\*已撤销\*\* · ~~.+~~ · \[查看审批\]/);
        // A name of usual length stays; the longest ones would not fit beside the marks, so they go.
        if (name === '张三') expect(rows.every((row) => row.content.includes('张三'))).toBe(true);
        else expect(content).not.toContain(name);
      }
    });
  }
});

import { describe, expect, it } from 'vitest';
import type { RemedyApproved, ShiftApproved } from '../../src/approvals/types.js';
import { CARD_MAX_BYTES, displayName, renderBuilderCard, renderCard } from '../../src/cards/card.js';
import { fitDigest, renderDigest } from '../../src/cards/digest.js';
import { escapeMarkdown, shorten } from '../../src/cards/escape.js';
import { loadTemplates, TEMPLATE_KEYS } from '../../src/cards/templates.js';
import { describeCard } from '../../src/cards/text-view.js';
import { markdownStrings } from '../support/markdown.js';

const templates = loadTemplates();
const ctx = { zone: 'Asia/Shanghai', brand: 'feishu' as const };

const remedy = (reason: string): RemedyApproved => ({
  kind: 'remedy',
  instanceCode: 'INST-1',
  employeeUserId: 'u_1',
  remedyAt: Date.UTC(2026, 10, 21, 6, 3),
  reason,
});
const shift = (reason: string, returnTime: string | null = '2026-12-02 09:00:00'): ShiftApproved => ({
  kind: 'shift',
  instanceCode: 'INST-2',
  employeeOpenId: 'ou_1',
  shiftTime: '2026-12-01 09:00:00',
  returnTime,
  reason,
});

const HOSTILE = 'late <at id=all></at> [x](https://example.com) **bold** "quoted" back\\slash\nsecond line # title `code` &#60;at id=all&#62; ~~strike~~ <font color=red>red</font> https://evil.example';

describe('card content', () => {
  it('has one template per kind × audience, each card 2.0 with zh_cn, en_us and ja_jp titles', () => {
    for (const key of TEMPLATE_KEYS) {
      const template = templates[key] as { schema: string; header: { title: { i18n_content: Record<string, string> } } };
      expect(template.schema).toBe('2.0');
      expect(Object.keys(template.header.title.i18n_content).sort()).toEqual(['en_us', 'ja_jp', 'zh_cn']);
    }
  });

  it('puts the local time in the 补卡 headline', () => {
    const { card } = renderCard(templates, remedy('forgot'), 'employee', ctx);
    expect(describeCard(card, 'zh_cn')[0]).toBe('  补卡已通过 · 14:03');
    expect(describeCard(card, 'en_us')[0]).toBe('  补卡 approved for 14:03');
    expect(describeCard(card, 'en_us')).toContain('  **Clock-in time:** 2026-11-21 14:03 (GMT+8)');
  });

  it('puts both dates in the 换班 headline, one date when there is no return', () => {
    expect(describeCard(renderCard(templates, shift('swap'), 'team', ctx).card, 'zh_cn')[0]).toBe('  换班 12-01 ↔ 12-02');
    const oneWay = renderCard(templates, shift('swap', null), 'team', ctx).card;
    expect(describeCard(oneWay, 'zh_cn')[0]).toBe('  换班 12-01');
    expect(JSON.stringify(oneWay)).not.toContain('$unless');
    expect(JSON.stringify(oneWay)).not.toContain('$if');
  });

  it('names the employee in the team card with a person element, not a mention', () => {
    const { card } = renderCard(templates, remedy('x'), 'team', ctx);
    expect(JSON.stringify(card)).toContain('{"tag":"person","user_id":"u_1"');
    expect(JSON.stringify(card)).not.toContain('<at');
  });

  it('uses the Lark approval app for Lark tenants', () => {
    const { content } = renderCard(templates, remedy('x'), 'employee', { ...ctx, brand: 'lark' });
    expect(content).toContain('https://applink.larksuite.com/client/mini_program/open?appId=cli_9c7cc8a9a9edd105');
  });
});

describe('escaping user text', () => {
  it('renders a hostile reason inertly and keeps the card valid JSON', () => {
    for (const event of [remedy(HOSTILE), shift(HOSTILE)]) {
      for (const audience of ['employee', 'team'] as const) {
        const { content } = renderCard(templates, event, audience, ctx);
        const card = JSON.parse(content);
        for (const text of markdownStrings(card)) {
          expect(text).not.toMatch(/<at/i);
          expect(text).not.toMatch(/\]\(/);
          expect(text).not.toContain('**bold');
          expect(text).not.toContain('https://evil');
          expect(text).not.toContain('<font');
        }
        // A reader still sees the words, as text.
        const seen = describeCard(card, 'en_us').join('\n');
        expect(seen).toContain('late <at id=all></at> [x](https://example.com) **bold** "quoted" back\\slash');
        // The user's pre-escaped mention reads as the characters they typed, decoded once only.
        expect(seen).toContain('`code` &#60;at id=all&#62; ~~strike~~');
      }
    }
  });

  it('escapes every ASCII punctuation character and drops invisible controls', () => {
    expect(escapeMarkdown('a*b_c')).toBe('a&#42;b&#95;c');
    expect(escapeMarkdown('&#60;')).toBe('&#38;&#35;60&#59;');
    expect(escapeMarkdown('x\u202Ey\u0000z')).toBe('xyz');
    expect(escapeMarkdown('第一行\r\n第二行')).toBe('第一行\n第二行');
  });

  it('shortens on code points, never splitting a character', () => {
    expect(shorten('😀😀😀', 2)).toBe('😀…');
    expect(shorten('abc', 3)).toBe('abc');
  });
});

describe('the 30 KB card limit', () => {
  it('keeps a card with a huge reason under the limit by shortening the reason', () => {
    for (const reason of ['<'.repeat(40_000), '请'.repeat(40_000), '😀'.repeat(20_000)]) {
      const { content } = renderCard(templates, remedy(reason), 'team', ctx);
      expect(Buffer.byteLength(content)).toBeLessThanOrEqual(CARD_MAX_BYTES);
      expect(Buffer.byteLength(content)).toBeGreaterThan(CARD_MAX_BYTES - 200); // kept as much as fits
      expect(describeCard(JSON.parse(content), 'en_us').join('\n')).toContain('…');
    }
  });

  it('leaves a card that fits untouched', () => {
    const { content } = renderCard(templates, remedy('a normal reason'), 'team', ctx);
    expect(content).toContain('a normal reason');
    expect(content).not.toContain('…');
  });
});

describe('digests', () => {
  it('take the longest prefix that fits, and measure as built', async () => {
    const { fitDigest } = await import('../../src/cards/digest.js');
    const many = Array.from({ length: 200 }, (_, i) => remedy(`r${i}`));
    const fitted = fitDigest(many, (e) => e, ctx);
    expect(fitted.items.length).toBeGreaterThan(10);
    expect(fitted.items.length).toBeLessThanOrEqual(90);
    expect(Buffer.byteLength(fitted.content)).toBeLessThanOrEqual(CARD_MAX_BYTES - 2048);
    const oneMore = fitDigest(many.slice(0, fitted.items.length + 1), (e) => e, ctx);
    if (fitted.items.length < 90) expect(oneMore.items.length).toBe(fitted.items.length);
    expect(JSON.parse(fitted.content).body.elements).toHaveLength(fitted.items.length * 2);
  });
});

describe("the employee's name on cards for the team", () => {
  const summary = (card: unknown, locale?: 'zh_cn' | 'en_us' | 'ja_jp') => {
    const s = (card as { config: { summary: { content: string; i18n_content: Record<string, string> } } }).config.summary;
    return locale === undefined ? s.content : s.i18n_content[locale];
  };
  const title = (card: unknown, locale?: 'zh_cn' | 'en_us' | 'ja_jp') => {
    const t = (card as { header: { title: { content: string; i18n_content: Record<string, string> } } }).header.title;
    return locale === undefined ? t.content : t.i18n_content[locale];
  };
  const named = { ...ctx, employeeName: '张三' };

  it.each([
    ['remedy', 'zh_cn', '补卡 · 张三 · 14:03', '补卡已通过 · 14:03'],
    ['remedy', 'en_us', '补卡 approved for 张三 · 14:03', '补卡 approved for 14:03'],
    ['remedy', 'ja_jp', '打刻修正 · 张三 · 14:03', '打刻修正が承認されました · 14:03'],
    ['shift', 'zh_cn', '换班 · 张三 · 12-01 ↔ 12-02', '换班 12-01 ↔ 12-02'],
    ['shift', 'en_us', 'Shift change · 张三 · 12-01 ↔ 12-02', 'Shift change 12-01 ↔ 12-02'],
    ['shift', 'ja_jp', 'シフト交代 · 张三 · 12-01 ↔ 12-02', 'シフト交代 12-01 ↔ 12-02'],
  ] as const)('%s in %s: "%s" in the preview and the title, "%s" without a name', (kind, locale, withName, without) => {
    const event = kind === 'remedy' ? remedy('x') : shift('x');
    const card = renderCard(templates, event, 'team', named).card;
    expect(summary(card, locale)).toBe(withName);
    expect(title(card, locale)).toBe(withName);
    for (const unknown of [ctx, { ...ctx, employeeName: undefined }, { ...ctx, employeeName: '' }, { ...ctx, employeeName: ' \n\t ' }]) {
      const plain = renderCard(templates, event, 'team', unknown).card;
      expect(summary(plain, locale)).toBe(without);
      expect(title(plain, locale)).toBe(without);
      // Never the id in its place: the person element below the title says who it is.
      expect(summary(plain, locale)).not.toMatch(/u_1|ou_1/);
    }
  });

  it('uses the zh_cn wording for the content a client without a locale shows', () => {
    expect(summary(renderCard(templates, remedy('x'), 'team', named).card)).toBe('补卡 · 张三 · 14:03');
    expect(title(renderCard(templates, shift('x'), 'team', named).card)).toBe('换班 · 张三 · 12-01 ↔ 12-02');
    expect(summary(renderCard(templates, remedy('x'), 'team', ctx).card)).toBe('补卡已通过 · 14:03');
  });

  it('leaves the employee’s own card (a DM) as it is', () => {
    for (const event of [remedy('x'), shift('x')]) {
      expect(renderCard(templates, event, 'employee', named).content).toBe(renderCard(templates, event, 'employee', ctx).content);
    }
  });

  it('puts the name in the plain-text preview and title as typed, on one line', () => {
    const card = renderCard(templates, remedy('x'), 'team', { ...ctx, employeeName: ' **Bob** <at id=all></at>\r\n\u202Eevil\u0000 ' }).card;
    // plain_text and the summary are not markdown: the characters show as they are, and do nothing.
    expect(summary(card, 'en_us')).toBe('补卡 approved for **Bob** <at id=all></at> evil · 14:03');
    expect(title(card, 'zh_cn')).toBe('补卡 · **Bob** <at id=all></at> evil · 14:03');
  });

  it('cuts a long name to 40 characters, never inside one', () => {
    const long = '😀'.repeat(39) + '张三丰';
    const card = renderCard(templates, shift('x'), 'team', { ...ctx, employeeName: long }).card;
    expect(summary(card, 'zh_cn')).toBe(`换班 · ${'😀'.repeat(39)}… · 12-01 ↔ 12-02`);
    expect(Array.from(displayName(long))).toHaveLength(40);
    expect(displayName('a'.repeat(40))).toBe('a'.repeat(40));
  });

  it('names each person in a digest row, escaped, and reads as before without a name', () => {
    const events = [remedy('x'), shift('x')];
    const names = ['**Bob** <at id=all></at> [x](http://e.x)', undefined]; // 40 characters: not cut
    const { card } = renderDigest(events, (i) => ({ ...ctx, employeeName: names[i] }));
    const rows = markdownStrings(card);
    for (const text of rows) {
      expect(text).not.toMatch(/<at/i);
      expect(text).not.toContain('**Bob');
      expect(text).not.toContain('](http://e.x');
    }
    expect(rows[0]).toContain('补卡已通过 · &#42;&#42;Bob&#42;&#42; &#60;at id&#61;all&#62;');
    const seen = describeCard(card, 'en_us');
    expect(seen[2]).toMatch(/^ {2}补卡 approved · \*\*Bob\*\* <at id=all><\/at> \[x\]\(http:\/\/e\.x\) · 2026-11-21 14:03 \(GMT\+8\) · INST-1 · /);
    expect(seen[4]).toMatch(/^ {2}Shift change 12-01 ↔ 12-02 · 2026-12-01 09:00 \(GMT\+8\) · INST-2 · /); // no name: as today
    expect(JSON.parse(JSON.stringify(card)).body.elements[2]).toMatchObject({ tag: 'person', user_id: 'ou_1' });
  });

  it('drops the names from a digest they would push over 30 KB, keeping every row', () => {
    const many = Array.from({ length: 200 }, (_, i) => remedy(`r${i}`));
    const { items } = fitDigest(many, (e) => e, ctx);
    const longNames = renderDigest(items, { ...ctx, employeeName: '<'.repeat(200) });
    expect(Buffer.byteLength(longNames.content)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(longNames.content).not.toContain('&#60;&#60;');
    expect(JSON.parse(longNames.content).body.elements).toHaveLength(items.length * 2);
    // Names of usual length were allowed for when the members were chosen.
    const usual = renderDigest(items, (i) => ({ ...ctx, employeeName: `${'欧阳'.repeat(4)}${i}` }));
    expect(usual.content).toContain('欧阳欧阳欧阳欧阳0 · ');
    expect(usual.content).toContain(`欧阳欧阳欧阳欧阳${items.length - 1} · `);
  });

  it('gives card-builder templates the name too, escaped like the other user text', () => {
    const { card } = renderBuilderCard({ templateId: 'T', templateVersionName: '1.0.0' }, remedy('x'), { ...ctx, employeeName: 'Li *Si*' });
    expect(card).toMatchObject({ data: { template_variable: { employee_name: 'Li &#42;Si&#42;' } } });
    const unnamed = renderBuilderCard({ templateId: 'T', templateVersionName: '1.0.0' }, remedy('x'), ctx).card;
    expect(unnamed).toMatchObject({ data: { template_variable: { employee_name: '' } } });
  });
});

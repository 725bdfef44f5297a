// The revoked state of a sent card: what a reader sees after the edit, for our cards and for
// shapes we do not know, and that it never grows past what Feishu accepts.
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { CARD_MAX_BYTES, renderBuilderCard, renderCard } from '../../src/cards/card.js';
import { LOCALES } from '../../src/cards/locales.js';
import { isTransformable, REVOKED_NOTE, REVOKED_NOTE_ID, REVOKED_PREFIX, revokedCard, strikeMarkdown } from '../../src/cards/revoked.js';
import { loadTemplates, TEMPLATE_KEYS } from '../../src/cards/templates.js';
import { describeCard } from '../../src/cards/text-view.js';
import type { Json } from '../../src/ingest/envelope.js';
import { markdownStrings } from '../support/markdown.js';
import { GOLDEN_EVENTS } from './golden-events.js';

const templates = loadTemplates();
const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const, employeeName: '张三' };
const bytes = (card: Json) => Buffer.byteLength(JSON.stringify(card));
type Element = Record<string, unknown> & { i18n_content?: Record<string, string> };
const elementsOf = (card: Json) => (card.body as { elements: Element[] }).elements;
const header = (card: Json) => card.header as { template: string; title: { content: string; i18n_content: Record<string, string> } };
const summary = (card: Json) => (card.config as { summary: { content: string; i18n_content: Record<string, string> } }).summary;

describe('revokedCard on every built-in card', () => {
  for (const key of TEMPLATE_KEYS) {
    const [kind, audience] = key.split('.') as [keyof typeof GOLDEN_EVENTS, 'employee' | 'team'];
    const { card } = renderCard(templates, GOLDEN_EVENTS[kind], audience, ctx);
    const revoked = revokedCard(card);

    it(`${key}: grey, "revoked" before the title and the preview in each locale, update_multi kept`, () => {
      expect(header(revoked).template).toBe('grey');
      expect(header(revoked).title.content).toBe(REVOKED_PREFIX.zh_cn + header(card).title.content);
      expect(summary(revoked).content).toBe(REVOKED_PREFIX.zh_cn + summary(card).content);
      for (const locale of LOCALES) {
        expect(header(revoked).title.i18n_content[locale]).toBe(REVOKED_PREFIX[locale] + header(card).title.i18n_content[locale]);
        expect(summary(revoked).i18n_content[locale]).toBe(REVOKED_PREFIX[locale] + summary(card).i18n_content[locale]);
      }
      expect(revoked.config).toHaveProperty('update_multi', true);
    });

    it(`${key}: the note first in each locale, every other markdown line struck, buttons and people as they were`, () => {
      const [note, ...rest] = elementsOf(revoked);
      expect(note).toEqual({ tag: 'markdown', element_id: REVOKED_NOTE_ID, content: REVOKED_NOTE.zh_cn, i18n_content: REVOKED_NOTE });
      const original = elementsOf(card);
      expect(rest).toHaveLength(original.length);
      rest.forEach((element, i) => {
        if (element.tag !== 'markdown') return expect(element).toEqual(original[i]);
        for (const text of [element.content as string, ...Object.values(element.i18n_content ?? {})]) {
          // A template's trailing space stays outside the strike, where markdown wants it.
          for (const line of text.split('\n')) expect(line).toMatch(/^$|^~~[^~\s][^~]*~~\s*$/);
        }
      });
    });

    it(`${key}: revoking again changes nothing`, () => {
      expect(revokedCard(revoked)).toEqual(revoked);
      expect(revokedCard(structuredClone(card))).toEqual(revoked); // and the original is left as it was
      expect(card).toEqual(renderCard(templates, GOLDEN_EVENTS[kind], audience, ctx).card);
    });
  }
});

describe('hostile text in a revoked card', () => {
  const event: ApprovalEvent = { ...GOLDEN_EVENTS.leave, reason: 'a ~~b~~ ~ <at id=all></at> [x](https://evil.example) **c**\nsecond ~~~ line' };
  const revoked = revokedCard(renderCard(templates, event, 'team', ctx).card);

  it('stays inert: no mention, no link, no strike ended early, no style of its own', () => {
    const texts = markdownStrings({ ...revoked, body: { elements: elementsOf(revoked).slice(1) } }); // all but the note
    expect(texts.length).toBeGreaterThan(0);
    for (const text of texts) {
      expect(text).not.toMatch(/<at/i);
      expect(text).not.toContain('](');
      // The only tildes are the strikes at each end of a line: the reason's are references.
      for (const line of text.split('\n')) expect(line).toMatch(/^~~[^~]+~~$/);
    }
  });

  it('reads as the reason did, struck through', () => {
    const lines = describeCard(revoked, 'en_us');
    expect(lines).toContain('  ~~**Reason:** a ~~b~~ ~ <at id=all></at> [x](https://evil.example) **c**~~');
    expect(lines).toContain('  ~~second ~~~ line~~');
  });
});

describe('strikeMarkdown', () => {
  it('strikes each non-empty line, leaving blank lines, list and heading markers and fences outside', () => {
    expect(strikeMarkdown('**A**: 1\n\n- item\n## Head\n> quote\n```\ncode\n```\n---')).toBe(
      '~~**A**: 1~~\n\n- ~~item~~\n## ~~Head~~\n> ~~quote~~\n```\ncode\n```\n---',
    );
  });

  it('cuts a line past the given code points, never inside a character reference', () => {
    expect(strikeMarkdown('**R**: &#60;&#60;\nshort', 9)).toBe('~~**R**: …~~\n~~short~~');
    expect(strikeMarkdown('**R**: &#60;&#60;\nshort', 13)).toBe('~~**R**: &#60;…~~\n~~short~~');
  });

  it('drops a template’s own ~~ inside a line rather than end the strike early, and is idempotent', () => {
    expect(strikeMarkdown('was ~~old~~ now new')).toBe('~~was old now new~~');
    for (const text of ['~~x~~', 'a ~~~ b', '~~~', ' padded  ', '1. ~~a~~ b', 'x~', '~x']) {
      expect(strikeMarkdown(strikeMarkdown(text))).toBe(strikeMarkdown(text));
    }
  });
});

describe('cards of other shapes', () => {
  it('a card-builder template is not transformable, and comes back unchanged', () => {
    const { card } = renderBuilderCard({ templateId: 'AAqk1234', templateVersionName: '1.0.2' }, GOLDEN_EVENTS.shift, ctx);
    expect(isTransformable(card)).toBe(false);
    expect(revokedCard(card)).toBe(card);
  });

  it('a card JSON 1.0 is not transformable either; a 2.0 card of ours is', () => {
    expect(isTransformable({ header: {}, elements: [{ tag: 'markdown', content: 'x' }] })).toBe(false);
    expect(isTransformable(renderCard(templates, GOLDEN_EVENTS.remedy, 'team', ctx).card)).toBe(true);
  });

  it('a TEMPLATES_DIR card: update_multi added, nested markdown struck, what it does not know left alone', () => {
    const custom: Json = {
      schema: '2.0',
      header: { template: 'purple', title: { tag: 'plain_text', content: 'ACME 补卡' }, subtitle: { tag: 'plain_text', content: 'sub' } },
      body: {
        elements: [
          { tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'markdown', content: 'in a column' }] }] },
          { tag: 'div', text: { tag: 'lark_md', content: 'lark md' } },
          { tag: 'div', text: { tag: 'plain_text', content: 'plain' } },
          { tag: 'img', img_key: 'img_v2_x', alt: { tag: 'plain_text', content: 'a picture' } },
          { tag: 'something_new', content: 'left alone' },
        ],
      },
    };
    const revoked = revokedCard(custom);
    expect(revoked.config).toEqual({ update_multi: true });
    expect(revoked.header).toEqual({ template: 'grey', title: { tag: 'plain_text', content: '已撤销 · ACME 补卡' }, subtitle: { tag: 'plain_text', content: 'sub' } });
    expect(elementsOf(revoked).slice(1)).toEqual([
      { tag: 'column_set', columns: [{ tag: 'column', elements: [{ tag: 'markdown', content: '~~in a column~~' }] }] },
      { tag: 'div', text: { tag: 'lark_md', content: '~~lark md~~' } },
      { tag: 'div', text: { tag: 'plain_text', content: 'plain' } },
      { tag: 'img', img_key: 'img_v2_x', alt: { tag: 'plain_text', content: 'a picture' } },
      { tag: 'something_new', content: 'left alone' },
    ]);
    expect(revokedCard(revoked)).toEqual(revoked);
  });

  it('a card without a header or a summary gets none; the note says it', () => {
    const revoked = revokedCard({ schema: '2.0', config: { update_multi: false }, body: { elements: [] } });
    expect(revoked).toEqual({
      schema: '2.0',
      config: { update_multi: true },
      body: { elements: [{ tag: 'markdown', element_id: REVOKED_NOTE_ID, content: REVOKED_NOTE.zh_cn, i18n_content: REVOKED_NOTE }] },
    });
    expect(describeCard(revoked, 'ja_jp')).toEqual(['  ', '  **この承認は取り消されました**。以下の内容は無効です。']);
  });
});

describe('a revoked card stays within CARD_MAX_BYTES', () => {
  it('a card fitted to the limit by a long reason: its struck reason line is cut, the other lines kept', () => {
    const event: ApprovalEvent = { ...GOLDEN_EVENTS.leave, reason: '<理由>'.repeat(5_000) };
    const { card, content } = renderCard(templates, event, 'team', ctx);
    expect(Buffer.byteLength(content)).toBeGreaterThan(CARD_MAX_BYTES - 100); // the reason was cut to fit
    const revoked = revokedCard(card);
    expect(bytes(revoked)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    const lines = describeCard(revoked, 'en_us');
    expect(lines[1]).toBe(`  ${REVOKED_NOTE.en_us}`);
    expect(lines).toContain('  ~~**Leave type:** Annual leave~~');
    expect(lines).toContain('  ~~**Approval:** CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234~~');
    const reason = lines.find((line) => line.startsWith('  ~~**Reason:**'))!;
    expect(reason).toMatch(/^ {2}~~\*\*Reason:\*\* (<理由>)+<?理?由?…~~$/); // cut whole references only
    expect(revokedCard(revoked)).toEqual(revoked);
  });

  it('a card fitted to the limit by a long many-line reason: still sendable, the note first, idempotent', () => {
    const event: ApprovalEvent = { ...GOLDEN_EVENTS.leave, reason: '理由\n'.repeat(20_000) };
    const { card, content } = renderCard(templates, event, 'team', ctx);
    expect(Buffer.byteLength(content)).toBeGreaterThan(CARD_MAX_BYTES - 100); // the reason was cut to fit
    const revoked = revokedCard(card);
    expect(bytes(revoked)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(elementsOf(revoked)[0]!.element_id).toBe(REVOKED_NOTE_ID);
    expect(header(revoked).template).toBe('grey');
    // The text is what gives way; the approval's button stays.
    expect(elementsOf(revoked).filter((e) => e.tag === 'button')).toEqual(elementsOf(card).filter((e) => e.tag === 'button'));
    expect(revokedCard(revoked)).toEqual(revoked);
  });

  it('a card with room for the note but not the strikes keeps its text unstruck', () => {
    const lines = 'x\n'.repeat(Math.floor((CARD_MAX_BYTES - 1500) / 3)); // 3 bytes a line in JSON
    const card: Json = { schema: '2.0', header: { title: { tag: 'plain_text', content: 't' } }, body: { elements: [{ tag: 'markdown', content: lines }] } };
    expect(bytes(card)).toBeLessThan(CARD_MAX_BYTES - 1000);
    const revoked = revokedCard(card);
    expect(bytes(revoked)).toBeLessThanOrEqual(CARD_MAX_BYTES);
    expect(elementsOf(revoked)).toEqual([elementsOf(revoked)[0], { tag: 'markdown', content: lines }]);
    expect(revokedCard(revoked)).toEqual(revoked);
  });

  it('a card whose other elements alone are too big keeps only the note', () => {
    const card: Json = { schema: '2.0', body: { elements: [{ tag: 'img', img_key: 'k', alt: { tag: 'plain_text', content: 'a'.repeat(CARD_MAX_BYTES) } }] } };
    const revoked = revokedCard(card);
    expect(elementsOf(revoked).map((e) => e.element_id)).toEqual([REVOKED_NOTE_ID]);
    expect(revokedCard(revoked)).toEqual(revoked);
  });
});

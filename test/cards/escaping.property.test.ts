// Properties over arbitrary user text: whatever the reason, the employee id and the employee's name
// hold, every card is valid JSON, under 30 KB, and no user character can act as markdown, a
// mention or a link.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { CARD_MAX_BYTES, displayName, renderCard } from '../../src/cards/card.js';
import { renderDigest } from '../../src/cards/digest.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard } from '../../src/cards/text-view.js';
import { markdownStrings } from '../support/markdown.js';

const templates = loadTemplates();
const ctx = { zone: 'Europe/Berlin', teamZone: 'Asia/Shanghai', brand: 'feishu' as const };
const ASCII_PUNCTUATION = /[!-/:-@[-`{-~]/;

/** The (escaped) user text after `marker` on each markdown line of a card. */
function userSegments(card: unknown, marker: string): string[] {
  return markdownStrings(card)
    .flatMap((text) => text.split('\n'))
    .filter((line) => line.includes(marker))
    .map((line) => line.slice(line.indexOf(marker) + marker.length));
}

// Strings that lean towards trouble: markup, mentions, links, entities, quotes, controls, emoji.
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom('<', '>', '[', ']', '(', ')', '*', '_', '`', '~', '#', '&', ';', '\\', '"', '\n', '\r', '\u0000', '\u202e', 'a', '语', '😀', 'at id=all', 'https://x.y', '&#60;'), maxLength: 300 }),
  fc.string({ maxLength: 20_000 }),
);

describe('escaping, for any text', () => {
  it('keeps every card valid JSON, under the limit, and the reason inert', () => {
    fc.assert(
      fc.property(hostile, hostile, (reason, name) => {
        const employee = name.length > 0 ? name : 'u';
        const events: ApprovalEvent[] = [
          { kind: 'remedy', instanceCode: 'I-1', employeeUserId: employee, remedyAt: Date.UTC(2026, 2, 29, 1, 30), reason },
          { kind: 'shift', instanceCode: 'I-2', employeeOpenId: employee, shiftTime: '2026-10-25 02:30:00', returnTime: null, reason },
        ];
        for (const event of events) {
          for (const audience of ['employee', 'team'] as const) {
            const { content } = renderCard(templates, event, audience, ctx);
            expect(Buffer.byteLength(content)).toBeLessThanOrEqual(CARD_MAX_BYTES);
            const card = JSON.parse(content);
            const segments = userSegments(card, 'Reason:** ');
            expect(segments.length).toBeGreaterThan(0);
            for (const segment of segments) {
              // Only the bot's own entities remain of any punctuation the user typed.
              expect(segment.replace(/&#\d+;/g, '')).not.toMatch(ASCII_PUNCTUATION);
              expect(segment.toLowerCase()).not.toContain('<at');
              expect(segment).not.toMatch(/\]\(/);
            }
            // No mention can form anywhere in the card's markdown.
            for (const text of markdownStrings(card)) expect(text).not.toMatch(/<at/i);
            if (audience === 'team') expect(card.body.elements[0]).toMatchObject({ tag: 'person', user_id: employee });
            // And the reader still sees the words (up to the shortening mark).
            const shown = describeCard(card, 'en_us').find((l) => l.includes('Reason:** '))!;
            expect(shown.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('keeps any employee name on one line in the preview and title, and inert in a digest row', () => {
    const NOT_IN_A_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/;
    fc.assert(
      fc.property(hostile, (employeeName) => {
        const named = { ...ctx, employeeName };
        const events: ApprovalEvent[] = [
          { kind: 'remedy', instanceCode: 'I-1', employeeUserId: 'u_1', remedyAt: Date.UTC(2026, 2, 29, 1, 30), reason: 'r' },
          { kind: 'shift', instanceCode: 'I-2', employeeOpenId: 'ou_1', shiftTime: '2026-10-25 02:30:00', returnTime: null, reason: 'r' },
        ];
        for (const event of events) {
          const card = JSON.parse(renderCard(templates, event, 'team', named).content);
          for (const text of [card.config.summary.content, ...Object.values(card.config.summary.i18n_content), card.header.title.content, ...Object.values(card.header.title.i18n_content)] as string[]) {
            expect(text).not.toMatch(NOT_IN_A_LINE);
            // No section or placeholder left over, whatever the name held (a name may hold braces itself).
            expect(text.replace(displayName(employeeName), '')).not.toContain('{{');
            expect(Array.from(text).length).toBeLessThan(40 + 40);
          }
        }
        const digest = JSON.parse(renderDigest(events, named).content);
        expect(Buffer.byteLength(JSON.stringify(digest))).toBeLessThanOrEqual(CARD_MAX_BYTES);
        for (const text of markdownStrings(digest)) {
          expect(text).not.toMatch(/<at/i);
          expect(text).not.toMatch(/\]\(.*\]\(/); // only the bot's own link
        }
      }),
      { numRuns: 150 },
    );
  });
});

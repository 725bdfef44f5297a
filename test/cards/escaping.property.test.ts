// Properties over arbitrary user text: whatever the reason and the employee id hold, every card
// is valid JSON, under 30 KB, and no user character can act as markdown, a mention or a link.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { CARD_MAX_BYTES, renderCard } from '../../src/cards/card.js';
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
});

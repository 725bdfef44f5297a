// Reading a documented event body the way the bot does, for the kinds' unit tests.
import { kindForEventType } from '../../src/approvals/index.js';
import type { ApprovalEvent, Normalized } from '../../src/approvals/types.js';
import { renderCard, type CardContext } from '../../src/cards/card.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard, type Locale } from '../../src/cards/text-view.js';
import { openEnvelope } from '../../src/ingest/envelope.js';
import { markdownStrings } from './markdown.js';

const templates = loadTemplates();

/** The event in a pushed body, normalized by the kind its event type names. */
export function normalizeBody(body: unknown): Normalized {
  const opened = openEnvelope(body);
  if (!opened.ok || opened.envelope.kind !== 'event') throw new Error('not an event envelope');
  const kind = kindForEventType(opened.envelope.eventType);
  if (!kind) throw new Error(`no kind for ${opened.envelope.eventType}`);
  return kind.normalize(opened.envelope.payload, opened.envelope);
}

/** A body's event, which must be accepted. */
export function accepted(body: unknown): ApprovalEvent {
  const result = normalizeBody(body);
  if (!result.ok) throw new Error(`expected the event to be accepted, got ${result.outcome}: ${result.reason}`);
  return result.event;
}

/** A copy of a v1 body with some event fields set (undefined deletes one). */
export function v1With<T extends { event: Record<string, unknown> }>(example: T, fields: Record<string, unknown>): T {
  const body = structuredClone(example);
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete body.event[name];
    else body.event[name] = value;
  }
  return body;
}

/** A copy of a v2 body with some event.object fields set (undefined deletes one). */
export function v2With<T extends { event: { object: Record<string, unknown> } }>(example: T, fields: Record<string, unknown>): T {
  const body = structuredClone(example);
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) delete body.event.object[name];
    else body.event.object[name] = value;
  }
  return body;
}

export const SHANGHAI: CardContext = { zone: 'Asia/Shanghai', brand: 'feishu' };

/** A card as a reader of one locale sees it. */
export function seen(event: ApprovalEvent, audience: 'employee' | 'team', locale: Locale, ctx: CardContext = SHANGHAI): string[] {
  return describeCard(renderCard(templates, event, audience, ctx).card, locale);
}

export function card(event: ApprovalEvent, audience: 'employee' | 'team', ctx: CardContext = SHANGHAI) {
  return renderCard(templates, event, audience, ctx);
}

/** Asserts nothing in the card's markdown can mention, link, restyle or inject. */
export function inert(event: ApprovalEvent): string[] {
  const problems: string[] = [];
  for (const audience of ['employee', 'team'] as const) {
    const { content } = renderCard(templates, event, audience, SHANGHAI);
    const parsed = JSON.parse(content) as unknown;
    for (const text of markdownStrings(parsed)) {
      if (/<at/i.test(text)) problems.push(`${audience}: a mention in ${text}`);
      if (/\]\(/.test(text) && !text.includes('applink')) problems.push(`${audience}: a link in ${text}`);
      if (text.includes('**bold')) problems.push(`${audience}: restyled text in ${text}`);
      if (text.includes('https://evil')) problems.push(`${audience}: a bare URL in ${text}`);
    }
  }
  return problems;
}

export const HOSTILE = 'x <at id=all></at> [y](https://evil.example) **bold** # h\n`c`';

// A digest: several approvals for one team chat in one card, instead of flooding the chat when
// more cards wait than its rate limit lets through. One row per approval: who (a person element,
// no mention, and the name as text when it is known), what, when, and a link.
import { kindNamed } from '../approvals/index.js';
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { CARD_MAX_BYTES, cardVariables, type CardContext, type RenderedCard } from './card.js';
import { escapeMarkdown } from './escape.js';
import type { Localized } from './locales.js';
import type { Variables } from './render.js';

function rowText(event: ApprovalEvent, v: Variables): Localized {
  const code = escapeMarkdown(event.instanceCode);
  // The name as text too, like the team card's headline; it comes from the directory, so escaped.
  const name = v.employee_name ? escapeMarkdown(v.employee_name) : '';
  const what = kindNamed(event.kind).digestRow(v, name);
  return {
    zh_cn: `${what.zh_cn} · ${code} · [查看审批](${v.mobile_url})`,
    en_us: `${what.en_us} · ${code} · [View approval](${v.mobile_url})`,
    ja_jp: `${what.ja_jp} · ${code} · [承認を表示](${v.mobile_url})`,
  };
}

/** One approval's row: who (a person element, no mention, and the name when known), and what, when, which, with a link. */
function rowElements(event: ApprovalEvent, ctx: CardContext): Json[] {
  const v = cardVariables(event, ctx);
  const text = rowText(event, v);
  return [
    { tag: 'person', user_id: v.employee_id, size: 'small', show_avatar: true, show_name: true },
    { tag: 'markdown', content: text.zh_cn, i18n_content: text },
  ];
}

function digestCard(rows: readonly Json[][]): RenderedCard {
  const n = rows.length;
  const title = { zh_cn: `审批通过汇总 · ${n} 条`, en_us: `${n} approvals`, ja_jp: `承認のまとめ · ${n} 件` };
  const card: Json = {
    schema: '2.0',
    config: { update_multi: true, summary: { content: title.zh_cn, i18n_content: title } },
    header: { template: 'turquoise', title: { tag: 'plain_text', content: title.zh_cn, i18n_content: title } },
    body: { elements: rows.flat() },
  };
  return { card, content: JSON.stringify(card) };
}

/** A digest; `ctx` gives each row's context (the employee's zone and name), by position. */
export function renderDigest(events: readonly ApprovalEvent[], ctx: CardContext | ((index: number) => CardContext)): RenderedCard {
  const contextOf = typeof ctx === 'function' ? ctx : () => ctx;
  const named = digestCard(events.map((event, i) => rowElements(event, contextOf(i))));
  if (Buffer.byteLength(named.content) <= CARD_MAX_BYTES) return named;
  // The members were chosen with room for names of usual length (fitDigest); longer ones may not
  // fit. The names are the part to give up: each row's person element still says who it is.
  return digestCard(events.map((event, i) => rowElements(event, { ...contextOf(i), employeeName: undefined })));
}

/** Card 2.0 allows 200 elements; each row takes two. */
const MAX_ROWS = 90;
/** 2 KB to spare: the rows are sized here in one zone and sent in each employee's own. */
const DIGEST_BUDGET = CARD_MAX_BYTES - 2048;
/**
 * Rows are sized without names but sent with them: room per row for a name of 8 CJK characters
 * (24 bytes, or 24 ASCII letters) and its separator in each of the row's four texts. A longer name
 * eats into the margin above; past it, renderDigest drops the names.
 */
export const DIGEST_NAME_ROOM_BYTES = 4 * Buffer.byteLength('名'.repeat(8) + ' · ');

/** The longest prefix of `items` (at least one) whose digest fits the card limits, and that digest. */
export function fitDigest<T>(items: readonly T[], eventOf: (item: T) => ApprovalEvent, ctx: CardContext) {
  // Each row is rendered once and measured; the card is built once from the rows that fit.
  let size = Buffer.byteLength(digestCard([]).content) + 16; // + the count in the title, three times
  const rows: Json[][] = [];
  for (const item of items.slice(0, MAX_ROWS)) {
    const row = rowElements(eventOf(item), ctx);
    const bytes = Buffer.byteLength(JSON.stringify(row)) + 1 + DIGEST_NAME_ROOM_BYTES;
    if (rows.length > 0 && size + bytes > DIGEST_BUDGET) break;
    size += bytes;
    rows.push(row);
  }
  return { items: items.slice(0, rows.length), ...digestCard(rows) };
}

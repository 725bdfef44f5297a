// A digest: several approvals for one team chat in one card, instead of flooding the chat when
// more cards wait than its rate limit lets through. One row per approval: who (a person element,
// no mention, and the name as text when it is known), what, when, and a link.
import { kindNamed } from '../approvals/index.js';
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { CARD_MAX_BYTES, cardVariables, type CardContext, type RenderedCard } from './card.js';
import { escapeMarkdown } from './escape.js';
import type { Locale, Localized } from './locales.js';
import type { Variables } from './render.js';

/** How a revoked row reads: marked, its text struck through, its link kept. */
export const REVOKED_ROW_MARK: Localized = { zh_cn: '已撤销', en_us: 'Revoked', ja_jp: '取り消し済み' };

/** A row as it is shown: as approved, revoked (marked and struck), or revoked marked only (to save bytes). */
type RowState = 'approved' | 'revoked' | 'revoked-unstruck';

function rowText(event: ApprovalEvent, v: Variables, state: RowState): Localized {
  const code = escapeMarkdown(event.instanceCode);
  // The name as text too, like the team card's headline; it comes from the directory, so escaped.
  const name = v.employee_name ? escapeMarkdown(v.employee_name) : '';
  const what = kindNamed(event.kind).digestRow(v, name);
  // Everything in `what` and `code` is escaped or our own words, so it holds no `~~` to end the strike early.
  const row = (locale: Locale, link: string) => {
    const text = `${what[locale]} · ${code}`;
    if (state === 'approved') return `${text} · [${link}](${v.mobile_url})`;
    const shown = state === 'revoked' ? `~~${text}~~` : text;
    return `**${REVOKED_ROW_MARK[locale]}** · ${shown} · [${link}](${v.mobile_url})`;
  };
  return { zh_cn: row('zh_cn', '查看审批'), en_us: row('en_us', 'View approval'), ja_jp: row('ja_jp', '承認を表示') };
}

/** One approval's row: who (a person element, no mention, and the name when known), and what, when, which, with a link. */
function rowElements(event: ApprovalEvent, ctx: CardContext, state: RowState = 'approved'): Json[] {
  const v = cardVariables(event, ctx);
  const text = rowText(event, v, state);
  return [
    { tag: 'person', user_id: v.employee_id, size: 'small', show_avatar: true, show_name: true },
    { tag: 'markdown', content: text.zh_cn, i18n_content: text },
  ];
}

function digestCard(rows: readonly Json[][], allRevoked = false): RenderedCard {
  const n = rows.length;
  const title = { zh_cn: `审批通过汇总 · ${n} 条`, en_us: `${n} approvals`, ja_jp: `承認のまとめ · ${n} 件` };
  const card: Json = {
    schema: '2.0',
    config: { update_multi: true, summary: { content: title.zh_cn, i18n_content: title } },
    header: { template: allRevoked ? 'grey' : 'turquoise', title: { tag: 'plain_text', content: title.zh_cn, i18n_content: title } },
    body: { elements: rows.flat() },
  };
  return { card, content: JSON.stringify(card) };
}

/**
 * A digest; `ctx` gives each row's context (the employee's zone and name), by position, and
 * `revoked` which rows were revoked since (edited in place): those are marked and struck through,
 * their link kept. The header turns grey only when every row is revoked.
 */
export function renderDigest(
  events: readonly ApprovalEvent[],
  ctx: CardContext | ((index: number) => CardContext),
  revoked: (index: number) => boolean = () => false,
): RenderedCard {
  const contextOf = typeof ctx === 'function' ? ctx : () => ctx;
  const allRevoked = events.length > 0 && events.every((_, i) => revoked(i));
  const build = (names: boolean, struck: boolean) =>
    digestCard(
      events.map((event, i) => {
        const state: RowState = !revoked(i) ? 'approved' : struck ? 'revoked' : 'revoked-unstruck';
        return rowElements(event, names ? contextOf(i) : { ...contextOf(i), employeeName: undefined }, state);
      }),
      allRevoked,
    );
  // The members were chosen with room for names of usual length (fitDigest); longer ones, or the
  // revoked marks, may not fit. The names are the part to give up first: each row's person element
  // still says who it is; then the strike-through, the mark still saying the row is revoked.
  let card = build(true, true);
  if (Buffer.byteLength(card.content) <= CARD_MAX_BYTES) return card;
  card = build(false, true);
  if (Buffer.byteLength(card.content) <= CARD_MAX_BYTES) return card;
  return build(false, false);
}

/** Card 2.0 allows 200 elements; each row takes two. */
const MAX_ROWS = 90;
/** 2 KB to spare: the rows are sized here in one zone and sent in each employee's own. */
const DIGEST_BUDGET = CARD_MAX_BYTES - 2048;
/**
 * Rows are sized without names but sent with them: room per row for a name of 8 CJK characters
 * (24 bytes, or 24 ASCII letters) and its separator in each of the row's four texts. A longer name
 * eats into the margin above; past it, renderDigest drops the names. A revoked row's mark and
 * strike take less than this room, so a digest whose rows are all revoked, names dropped, still fits.
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

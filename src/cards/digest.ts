// A digest: several approvals for one team chat in one card, instead of flooding the chat when
// more cards wait than its rate limit lets through. One row per approval: who (a person element,
// no mention), what, when, and a link.
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { CARD_MAX_BYTES, cardVariables, type CardContext, type RenderedCard } from './card.js';
import { escapeMarkdown } from './escape.js';

function rowText(event: ApprovalEvent, v: ReturnType<typeof cardVariables>): { zh_cn: string; en_us: string; ja_jp: string } {
  const code = escapeMarkdown(event.instanceCode);
  if (event.kind === 'remedy') {
    return {
      zh_cn: `补卡已通过 · ${v.datetime} · ${code} · [查看审批](${v.mobile_url})`,
      en_us: `补卡 approved · ${v.datetime} · ${code} · [View approval](${v.mobile_url})`,
      ja_jp: `打刻修正承認 · ${v.datetime} · ${code} · [承認を表示](${v.mobile_url})`,
    };
  }
  return {
    zh_cn: `换班 ${v.dates} · ${v.shift_datetime} · ${code} · [查看审批](${v.mobile_url})`,
    en_us: `Shift change ${v.dates} · ${v.shift_datetime} · ${code} · [View approval](${v.mobile_url})`,
    ja_jp: `シフト交代 ${v.dates} · ${v.shift_datetime} · ${code} · [承認を表示](${v.mobile_url})`,
  };
}

/** A digest; `ctx` gives each row's context (the employee's zone), by position. */
/** One approval's row: who (a person element, no mention), and what, when, which, with a link. */
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

/** A digest; `ctx` gives each row's context (the employee's zone), by position. */
export function renderDigest(events: readonly ApprovalEvent[], ctx: CardContext | ((index: number) => CardContext)): RenderedCard {
  const contextOf = typeof ctx === 'function' ? ctx : () => ctx;
  return digestCard(events.map((event, i) => rowElements(event, contextOf(i))));
}

/** Card 2.0 allows 200 elements; each row takes two. */
const MAX_ROWS = 90;
/** 2 KB to spare: the rows are sized here in one zone and sent in each employee's own. */
const DIGEST_BUDGET = CARD_MAX_BYTES - 2048;

/** The longest prefix of `items` (at least one) whose digest fits the card limits, and that digest. */
export function fitDigest<T>(items: readonly T[], eventOf: (item: T) => ApprovalEvent, ctx: CardContext) {
  // Each row is rendered once and measured; the card is built once from the rows that fit.
  let size = Buffer.byteLength(digestCard([]).content) + 16; // + the count in the title, three times
  const rows: Json[][] = [];
  for (const item of items.slice(0, MAX_ROWS)) {
    const row = rowElements(eventOf(item), ctx);
    const bytes = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (rows.length > 0 && size + bytes > DIGEST_BUDGET) break;
    size += bytes;
    rows.push(row);
  }
  return { items: items.slice(0, rows.length), ...digestCard(rows) };
}

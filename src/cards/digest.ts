// A digest: several approvals for one team chat in one card, instead of flooding the chat when
// more cards wait than its rate limit lets through. One row per approval: who (a person element,
// no mention), what, when, and a link.
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { CARD_MAX_BYTES, cardVariables, type CardContext, type RenderedCard } from './card.js';
import { escapeMarkdown } from './escape.js';

function rowText(event: ApprovalEvent, ctx: CardContext): { zh_cn: string; en_us: string; ja_jp: string } {
  const v = cardVariables(event, ctx);
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
export function renderDigest(events: readonly ApprovalEvent[], ctx: CardContext | ((index: number) => CardContext)): RenderedCard {
  const contextOf = typeof ctx === 'function' ? ctx : () => ctx;
  const n = events.length;
  const title = { zh_cn: `审批通过汇总 · ${n} 条`, en_us: `${n} approvals`, ja_jp: `承認のまとめ · ${n} 件` };
  const elements: Json[] = [];
  for (const [index, event] of events.entries()) {
    const v = cardVariables(event, contextOf(index));
    const text = rowText(event, contextOf(index));
    elements.push(
      { tag: 'person', user_id: v.employee_id, size: 'small', show_avatar: true, show_name: true },
      { tag: 'markdown', content: text.zh_cn, i18n_content: text },
    );
  }
  const card: Json = {
    schema: '2.0',
    config: { update_multi: true, summary: { content: title.zh_cn, i18n_content: title } },
    header: { template: 'turquoise', title: { tag: 'plain_text', content: title.zh_cn, i18n_content: title } },
    body: { elements },
  };
  return { card, content: JSON.stringify(card) };
}

/** A prefix of `items` whose digest fits the card limits (as long as a few tries find), and that digest. */
export function fitDigest<T>(items: readonly T[], eventOf: (item: T) => ApprovalEvent, ctx: CardContext) {
  // Card 2.0 allows 200 elements; each row takes two.
  let count = Math.min(items.length, 90);
  for (;;) {
    const rendered = renderDigest(items.slice(0, count).map(eventOf), ctx);
    // 2 KB to spare: the rows are sized here in one zone and sent in each employee's own.
    if (Buffer.byteLength(rendered.content) <= CARD_MAX_BYTES - 2048 || count <= 1) {
      return { items: items.slice(0, count), ...rendered };
    }
    count = Math.max(1, Math.floor(count * 0.8));
  }
}

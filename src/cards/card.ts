// Turns an approval event into the card for one audience: variables, template, size limit.
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { approvalLinks, type Brand } from './approval-link.js';
import { shorten } from './escape.js';
import { renderTemplate, type Variables } from './render.js';
import type { Audience, CardTemplates } from './templates.js';
import { formatInstant, wallClockToInstant } from './time.js';

/** Feishu refuses card content over 30 KB (230025); stay a little under it. */
export const CARD_MAX_BYTES = 30_000;

export interface CardContext {
  /** IANA zone the times are shown in. */
  zone: string;
  brand: Brand;
}

export interface RenderedCard {
  card: Json;
  /** The card as the `content` string of a message. */
  content: string;
}

function employeeId(event: ApprovalEvent): string {
  return event.kind === 'remedy' ? event.employeeUserId : (event.employeeOpenId ?? event.employeeUserId ?? '');
}

export function cardVariables(event: ApprovalEvent, ctx: CardContext): Variables {
  const links = approvalLinks(event.instanceCode, ctx.brand);
  const common = {
    zone: ctx.zone,
    reason: event.reason.trim() === '' ? '—' : event.reason,
    instance_code: event.instanceCode,
    employee_id: employeeId(event),
    pc_url: links.pc,
    mobile_url: links.mobile,
  };
  if (event.kind === 'remedy') {
    const at = formatInstant(event.remedyAt, ctx.zone);
    return { ...common, time: at.time, datetime: at.full };
  }
  const shiftAt = formatInstant(wallClockToInstant(event.shiftTime, ctx.zone), ctx.zone);
  const returnAt = event.returnTime === null ? undefined : formatInstant(wallClockToInstant(event.returnTime, ctx.zone), ctx.zone);
  return {
    ...common,
    dates: returnAt ? `${shiftAt.monthDay} ↔ ${returnAt.monthDay}` : shiftAt.monthDay,
    shift_datetime: shiftAt.full,
    return_datetime: returnAt?.full ?? '',
  };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function renderCard(templates: CardTemplates, event: ApprovalEvent, audience: Audience, ctx: CardContext): RenderedCard {
  const template = templates[`${event.kind}.${audience}`];
  const vars = cardVariables(event, ctx);
  const render = (reason: string): RenderedCard => {
    const card = renderTemplate(template, { ...vars, reason });
    return { card, content: JSON.stringify(card) };
  };
  const full = render(vars.reason!);
  if (byteLength(full.content) <= CARD_MAX_BYTES) return full;

  // Too big: keep the longest prefix of the reason that fits (binary search on code points).
  let lo = 0;
  let hi = Array.from(vars.reason!).length;
  let best = render(shorten(vars.reason!, 0));
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const attempt = render(shorten(vars.reason!, mid));
    if (byteLength(attempt.content) <= CARD_MAX_BYTES) {
      best = attempt;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (byteLength(best.content) > CARD_MAX_BYTES) {
    throw new Error(`card ${event.kind}.${audience} exceeds ${CARD_MAX_BYTES} bytes even without a reason`);
  }
  return best;
}

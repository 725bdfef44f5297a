// Turns an approval event into the card for one audience: variables, template, size limit.
import { kindNamed } from '../approvals/index.js';
import type { ApprovalEvent } from '../approvals/types.js';
import type { Json } from '../ingest/envelope.js';
import { approvalLinks, type Brand } from './approval-link.js';
import type { BuilderTemplate } from '../config-file.js';
import { escapeMarkdown, oneLine, shorten } from './escape.js';
import { renderTemplate, USER_TEXT_VARIABLES, type Variables } from './render.js';
import type { Audience, CardTemplates } from './templates.js';

/** Feishu refuses card content over 30 KB (230025); stay a little under it. */
export const CARD_MAX_BYTES = 30_000;

export interface CardContext {
  /** The employee's IANA zone: times are shown, and 换班 wall-clock times read, in it. */
  zone: string;
  /** TIMEZONE: a team card also shows the time here when it reads differently. */
  teamZone?: string;
  brand: Brand;
  /**
   * The employee's display name, when known (team cards and digests only): it names them in the
   * headline and the chat-list preview. Unknown → those read as they do without a name; never an id.
   */
  employeeName?: string;
}

/** A name in a headline or preview is cut to this many code points. */
export const EMPLOYEE_NAME_MAX_CHARS = 40;

/**
 * A name as one short line of plain text: it lands in plain_text titles and the summary as it is,
 * so a newline, a control or a bidi override in a directory name must not reshape them. '' when
 * nothing is left.
 */
export function displayName(name: string | undefined): string {
  return name === undefined ? '' : oneLine(name, EMPLOYEE_NAME_MAX_CHARS);
}

export interface RenderedCard {
  card: Json;
  /** The card as the `content` string of a message. */
  content: string;
}

/**
 * The variables of a card: the ones every kind offers (zone, reason, ids, name, links), and the
 * kind's own from its module (src/approvals/).
 */
export function cardVariables(event: ApprovalEvent, ctx: CardContext): Variables {
  const kind = kindNamed(event.kind);
  const links = approvalLinks(event.instanceCode, ctx.brand);
  const teamZone = ctx.teamZone ?? ctx.zone;
  const who = kind.identity(event);
  return {
    zone: ctx.zone,
    team_zone: teamZone,
    reason: event.reason.trim() === '' ? '—' : event.reason,
    instance_code: event.instanceCode,
    // For person elements, which show a name from either id; the open_id when there is one.
    employee_id: who.openId ?? who.userId ?? '',
    employee_name: displayName(ctx.employeeName),
    pc_url: links.pc,
    mobile_url: links.mobile,
    ...kind.cardVariables(event, { zone: ctx.zone, teamZone }),
  };
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function renderCard(templates: CardTemplates, event: ApprovalEvent, audience: Audience, ctx: CardContext): RenderedCard {
  const template = templates[`${event.kind}.${audience}`];
  return fitReason(cardVariables(event, ctx), (vars) => {
    const card = renderTemplate(template, vars);
    return { card, content: JSON.stringify(card) };
  }, `${event.kind}.${audience}`);
}

/** A card-builder template (`{"type":"template", …}`) with the same variables, escaped the same way. */
export function renderBuilderCard(builder: BuilderTemplate, event: ApprovalEvent, ctx: CardContext): RenderedCard {
  return fitReason(cardVariables(event, ctx), (vars) => {
    const escaped = Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [name, USER_TEXT_VARIABLES.has(name) ? escapeMarkdown(value) : value]),
    );
    const card = {
      type: 'template',
      data: { template_id: builder.templateId, template_version_name: builder.templateVersionName, template_variable: escaped },
    };
    return { card, content: JSON.stringify(card) };
  }, `card builder template ${builder.templateId}`);
}

/** Renders, shortening the reason as far as needed to stay under the card size limit. */
function fitReason(vars: Variables, render: (vars: Variables) => RenderedCard, what: string): RenderedCard {
  const full = render(vars);
  if (byteLength(full.content) <= CARD_MAX_BYTES) return full;

  // Too big: keep the longest prefix of the reason that fits (binary search on code points).
  let lo = 0;
  let hi = Array.from(vars.reason!).length;
  let best = render({ ...vars, reason: shorten(vars.reason!, 0) });
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const attempt = render({ ...vars, reason: shorten(vars.reason!, mid) });
    if (byteLength(attempt.content) <= CARD_MAX_BYTES) {
      best = attempt;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (byteLength(best.content) > CARD_MAX_BYTES) {
    throw new Error(`${what} exceeds ${CARD_MAX_BYTES} bytes even without a reason`);
  }
  return best;
}

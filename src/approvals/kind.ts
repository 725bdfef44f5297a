// Builds an ApprovalKind from functions written for its own event type: the checks that an event
// of another kind never reaches them, and the employee's card from who the event is about, are
// the same for every kind.
import { escapeMarkdown } from '../cards/escape.js';
import { perLocale, type Localized } from '../cards/locales.js';
import type { Variables } from '../cards/render.js';
import type { EventEnvelope, Json } from '../ingest/envelope.js';
import type {
  ApprovalEvent,
  ApprovalKind,
  ApprovalKindName,
  EmployeeIdentity,
  KindCardContext,
  KindTemplateVariables,
  Normalized,
  Recipient,
} from './types.js';

export type EventOf<K extends ApprovalKindName> = Extract<ApprovalEvent, { kind: K }>;

export interface KindSpec<K extends ApprovalKindName> {
  kind: K;
  eventTypes: readonly string[];
  normalize(payload: Json, envelope: EventEnvelope): Normalized;
  identity(event: EventOf<K>): EmployeeIdentity;
  day(event: EventOf<K>, fallbackZone: string): string;
  templateVariables: KindTemplateVariables;
  cardVariables(event: EventOf<K>, ctx: KindCardContext): Variables;
  digestRow(v: Variables, name: string): Localized;
}

/** The employee's own card: by open_id when there is one (any app can DM it), else by user_id. */
export function employeeRecipient(identity: EmployeeIdentity): Recipient {
  if (identity.openId !== undefined) return { audience: 'employee', receiveIdType: 'open_id', receiveId: identity.openId };
  if (identity.userId !== undefined) return { audience: 'employee', receiveIdType: 'user_id', receiveId: identity.userId };
  throw new Error('an approval event names no employee');
}

export function defineKind<K extends ApprovalKindName>(spec: KindSpec<K>): ApprovalKind & { kind: K } {
  const own = (event: ApprovalEvent): EventOf<K> => {
    if (event.kind !== spec.kind) throw new Error(`not a ${spec.kind} event: ${event.kind}`);
    return event as EventOf<K>;
  };
  return {
    kind: spec.kind,
    eventTypes: spec.eventTypes,
    templateVariables: spec.templateVariables,
    normalize: spec.normalize,
    identity: (event) => spec.identity(own(event)),
    employee: (event) => employeeRecipient(spec.identity(own(event))),
    day: (event, fallbackZone) => spec.day(own(event), fallbackZone),
    cardVariables: (event, ctx) => spec.cardVariables(own(event), ctx),
    digestRow: spec.digestRow,
  };
}

/**
 * The digest row of a kind whose card is a typed span of time (leave, out of office, overtime):
 * what · who · the type (left out where it is only the neutral word) · when · how long.
 */
export function typedSpanRow(v: Variables, name: string, approved: Localized, typeVariable: string, neutral: Localized): Localized {
  return perLocale((locale) => {
    const type = v[`${typeVariable}_${locale}`] ?? '';
    const parts = [approved[locale], name, type === neutral[locale] ? '' : escapeMarkdown(type), v.period, v[`duration_${locale}`]];
    return parts.filter((part) => part !== undefined && part !== '').join(' · ');
  });
}

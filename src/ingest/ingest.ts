// The one pipeline after the envelope is open, whatever channel it came by: normalize, dedupe,
// plan the deliveries and store it all in one transaction. Nothing here waits for the IM API.
import { createHash } from 'node:crypto';
import { kindForEventType } from '../approvals/index.js';
import { isRevertEventType, readRevocation } from '../approvals/revert.js';
import { unknownInstanceReason } from '../store/revocation-plan.js';
import type { Recipient } from '../approvals/types.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import { recipientsFor, type Routing } from '../routing.js';
import type { NewDelivery, NewEvent, Store } from '../store/store.js';
import { isObject, type EventEnvelope } from './envelope.js';
import { groupCommit } from './group-commit.js';
import { CHAT_MEMBERSHIP_EVENTS, chatChangePayload } from '../store/chat-changes.js';

export type IngestOutcome = {
  outcome: 'accepted' | 'duplicate' | 'rejected' | 'ignored';
  eventId: string;
  eventType: string;
  reason?: string;
};

export interface IngestDeps {
  store: Store;
  routing: Routing;
  log: Logger;
  /** Called after an accepted event is committed (the delivery worker's wake-up). */
  onAccepted?: () => void;
  metrics?: Pick<Metrics, 'event'>;
  now?: () => number;
  /** Someone joined or left a chat, or the bot was removed from it: its cached members are stale. */
  onChatMembership?: (chatId: string, eventId: string) => void;
}

/** The message `uuid`: the same event and recipient always give the same one (≤ 50 chars). */
export function deliveryUuid(eventId: string, recipient: Pick<Recipient, 'receiveIdType' | 'receiveId'>): string {
  return createHash('sha256').update(`${eventId}\n${recipient.receiveIdType}\n${recipient.receiveId}`).digest('hex').slice(0, 40);
}

export function createIngest(deps: IngestDeps) {
  const now = deps.now ?? Date.now;
  const record = groupCommit(deps.store);

  /** Resolves once the event is durably stored (or known as a duplicate); rejects if it could not be. */
  async function ingest(envelope: EventEnvelope, source: string): Promise<IngestOutcome> {
    const base = { eventId: envelope.eventId, eventType: envelope.eventType, receivedAt: now() };
    const kind = kindForEventType(envelope.eventType);
    if (!kind && isRevertEventType(envelope.eventType)) return revoke(envelope, source, base);
    let entry: NewEvent;
    let deliveries: ReturnType<typeof planDeliveries> = [];

    if (!kind && CHAT_MEMBERSHIP_EVENTS.has(envelope.eventType.trim())) {
      const chatId = isObject(envelope.payload) && typeof envelope.payload.chat_id === 'string' ? envelope.payload.chat_id : undefined;
      if (chatId) deps.onChatMembership?.(chatId, envelope.eventId);
      // Stored with its chat (and its type as the stores look for it): the instance that routes
      // team cards may be another one, and learns of the change from the store.
      entry = chatId
        ? { ...base, eventType: envelope.eventType.trim(), status: 'ignored', reason: `chat membership changed: members of ${chatId} are looked up afresh`, payload: chatChangePayload(chatId) }
        : { ...base, status: 'ignored', reason: 'chat membership event without a chat_id' };
    } else if (!kind) {
      entry = { ...base, status: 'ignored', reason: 'not an event type this bot handles' };
    } else {
      const normalized = kind.normalize(envelope.payload, envelope);
      if (normalized.ok) {
        const event = normalized.event;
        entry = { ...base, kind: event.kind, instanceCode: event.instanceCode, status: 'accepted', payload: JSON.stringify(event) };
        deliveries = planDeliveries(envelope.eventId, recipientsFor(event, deps.routing));
      } else {
        // Kept with the payload as received, so an operator can see and replay it.
        entry = { ...base, kind: kind.kind, status: normalized.outcome, reason: normalized.reason, payload: serialise(envelope.payload) };
      }
    }

    const stored = await record(entry, deliveries);
    if (stored === 'revoked') {
      // The store wrote why, naming the revocation; say the same (a rare path: one more read).
      const kept = await deps.store.event(envelope.eventId).catch(() => undefined);
      entry = { ...entry, status: 'ignored', reason: kept?.reason ?? 'revoked before this approval arrived: no card is sent' };
    }
    const outcome: IngestOutcome = {
      outcome: stored === 'duplicate' ? 'duplicate' : entry.status,
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      ...(entry.reason !== undefined && stored !== 'duplicate' ? { reason: entry.reason } : {}),
    };
    deps.metrics?.event(envelope.eventType, outcome.outcome);
    const fields = { source, ...outcome, instanceCode: entry.instanceCode, deliveries: stored === 'stored' ? deliveries.length : 0 };
    if (outcome.outcome === 'rejected') deps.log.warn('event rejected', fields);
    else deps.log.info(`event ${outcome.outcome}`, fields);
    if (stored === 'stored' && entry.status === 'accepted') deps.onAccepted?.();
    return outcome;
  }

  /**
   * A revocation: stored, and the revoked approval's cards dealt with, in one transaction (cancelled
   * if never sent, else an edit each); rare enough to go alone rather than in a group commit.
   */
  async function revoke(envelope: EventEnvelope, source: string, base: Pick<NewEvent, 'eventId' | 'eventType' | 'receivedAt'>): Promise<IngestOutcome> {
    const read = readRevocation(envelope.eventType, envelope.payload);
    let outcome: IngestOutcome;
    let fields: Record<string, unknown> = {};
    if (!read.ok) {
      // Not marked as a revocation (action): only a readable one may hold back a late approval.
      const stored = await record({ ...base, status: read.outcome, reason: read.reason, payload: serialise(envelope.payload) }, []);
      outcome = { outcome: stored === 'duplicate' ? 'duplicate' : read.outcome, eventId: base.eventId, eventType: base.eventType, ...(stored === 'duplicate' ? {} : { reason: read.reason }) };
    } else {
      const { revocation } = read;
      const result = await deps.store.recordRevocation({
        ...base,
        action: 'revoke',
        ...(revocation.kind ? { kind: revocation.kind } : {}),
        instanceCode: revocation.instanceCode,
        status: 'accepted',
        payload: JSON.stringify(revocation),
      });
      await deps.store.durable();
      fields = { instanceCode: revocation.instanceCode };
      if (result.result === 'duplicate') outcome = { outcome: 'duplicate', eventId: base.eventId, eventType: base.eventType };
      else if (result.outcome === 'unknown') {
        outcome = { outcome: 'ignored', eventId: base.eventId, eventType: base.eventType, reason: unknownInstanceReason(revocation.instanceCode) };
      } else {
        outcome = { outcome: 'accepted', eventId: base.eventId, eventType: base.eventType };
        fields = { ...fields, revoked: result.approvalEventId, cancelled: result.cancelled, edits: result.edits };
        deps.onAccepted?.();
      }
    }
    deps.metrics?.event(envelope.eventType, outcome.outcome);
    const logged = { source, ...outcome, ...fields };
    if (outcome.outcome === 'rejected') deps.log.warn('revocation rejected', logged);
    else deps.log.info(`revocation ${outcome.outcome}`, logged);
    return outcome;
  }

  return ingest;
}

function serialise(payload: unknown): string {
  try {
    return JSON.stringify(payload);
  } catch {
    return JSON.stringify({ unserialisable: 'payload nested too deeply to store' });
  }
}

/** The route row's recipient: not a chat, the step that decides the team chats. */
export const ROUTE_RECIPIENT = { receiveIdType: 'chat_id', receiveId: 'team chats' } as const;

function planDeliveries(eventId: string, { recipients, teams }: ReturnType<typeof recipientsFor>): NewDelivery[] {
  const why = new Map(teams === 'lookup' ? [] : teams.map((t) => [t.chatId, t.why]));
  const planned: NewDelivery[] = recipients.map((r) => ({
    ...r,
    uuid: deliveryUuid(eventId, r),
    ...(r.audience === 'team' ? { decision: why.get(r.receiveId) } : {}),
  }));
  // Team chats that depend on who the employee is are decided by the delivery side, durably.
  if (teams === 'lookup') planned.push({ audience: 'route', ...ROUTE_RECIPIENT, uuid: `route:${eventId}`.slice(0, 50) });
  return planned;
}

export type Ingest = ReturnType<typeof createIngest>;

// Rows as both stores read them (SQLite and PostgreSQL share the columns): an inbox event, and an
// outbox delivery joined with its event's kind, instance code and payload.
import type { Delivery, DeliveryStatus, StoredEvent } from './store.js';

export function toStoredEvent(row: Record<string, unknown>): StoredEvent {
  return {
    eventId: row.event_id as string,
    eventType: row.event_type as string,
    kind: (row.kind ?? undefined) as StoredEvent['kind'],
    instanceCode: (row.instance_code ?? undefined) as string | undefined,
    status: row.status as StoredEvent['status'],
    reason: (row.reason ?? undefined) as string | undefined,
    payload: (row.payload ?? undefined) as string | undefined,
    receivedAt: row.received_at as number,
    action: (row.action ?? 'approve') as StoredEvent['action'],
    ...(row.revoked_by ? { revokedBy: row.revoked_by as string } : {}),
  };
}

export interface DeliveryRow {
  id: number;
  event_id: string | null;
  kind: string | null;
  instance_code: string | null;
  payload: string | null;
  audience: string;
  receive_id_type: string;
  receive_id: string;
  uuid: string;
  status: string;
  digest_id: number | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  message_id: string | null;
  created_at: number;
  updated_at: number;
  retry_from: number;
  decision: string | null;
  target_id: number | null;
  revoked_by: string | null;
}

export const SELECT_DELIVERIES = `SELECT d.*, e.kind AS kind, e.payload AS payload, e.instance_code AS instance_code, e.revoked_by AS revoked_by FROM deliveries d LEFT JOIN events e USING (event_id)`;

export function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    kind: row.kind as Delivery['kind'],
    instanceCode: row.instance_code,
    payload: row.payload,
    audience: row.audience as Delivery['audience'],
    receiveIdType: row.receive_id_type as Delivery['receiveIdType'],
    receiveId: row.receive_id,
    uuid: row.uuid,
    status: row.status as DeliveryStatus,
    digestId: row.digest_id,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    messageId: row.message_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    retryFrom: row.retry_from,
    decision: row.decision,
    targetId: row.target_id ?? null,
    revokedBy: row.revoked_by ?? null,
  };
}

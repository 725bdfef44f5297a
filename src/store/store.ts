// The inbox (events, for dedupe and inspection) and the outbox (one delivery per recipient).
import type { ApprovalKindName, ReceiveIdType, Recipient } from '../approvals/types.js';

export type EventStatus = 'accepted' | 'rejected' | 'ignored';
export type DeliveryStatus = 'pending' | 'sent' | 'dead';

export interface NewEvent {
  eventId: string;
  eventType: string;
  kind?: ApprovalKindName;
  instanceCode?: string;
  status: EventStatus;
  reason?: string;
  /** accepted: the normalized event; rejected: the envelope as received. */
  payload?: string;
  receivedAt: number;
}

export interface NewDelivery {
  audience: Recipient['audience'];
  receiveIdType: ReceiveIdType;
  receiveId: string;
  uuid: string;
}

export interface StoredEvent extends NewEvent {}

export interface Delivery {
  id: number;
  eventId: string;
  kind: ApprovalKindName;
  payload: string;
  audience: Recipient['audience'];
  receiveIdType: ReceiveIdType;
  receiveId: string;
  uuid: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  messageId: string | null;
  createdAt: number;
  updatedAt: number;
}

export type RecordResult = 'stored' | 'duplicate';

export interface Store {
  recordEvent(event: NewEvent, deliveries: readonly NewDelivery[]): RecordResult;
  event(eventId: string): StoredEvent | undefined;
  /** Pending deliveries due at `now`, oldest first, skipping those already in flight. */
  dueDeliveries(now: number, limit: number, exclude: ReadonlySet<number>): Delivery[];
  nextDueAt(): number | undefined;
  markSent(id: number, messageId: string, now: number): void;
  markRetry(id: number, error: string, nextAttemptAt: number, now: number): void;
  markDead(id: number, error: string, now: number): void;
  deliveries(filter?: { status?: DeliveryStatus; eventId?: string }): Delivery[];
  /** Forgets events (and their sent deliveries) received before `cutoff` that have nothing pending or dead. */
  purgeBefore(cutoff: number): number;
  close(): void;
}

// The inbox (events, for dedupe and inspection) and the outbox (one delivery per recipient, and
// digests that carry several team-chat deliveries in one message).
import type { ChatChange } from './chat-changes.js';
import type { ApprovalKindName, ReceiveIdType, Recipient } from '../approvals/types.js';

export type EventStatus = 'accepted' | 'rejected' | 'ignored';
/**
 * `digested`: carried by a digest delivery, which is sent (or dies) for it. `cancelled`: the
 * approval was revoked before this was sent (or, for an edit, its card was never delivered).
 */
export type DeliveryStatus = 'pending' | 'sent' | 'dead' | 'digested' | 'cancelled';
/**
 * `route`: decides the team chats of an event by looking the employee up; sends nothing itself.
 * `edit`: turns a card already sent (the target delivery's message) into its revoked state.
 */
export type Audience = Recipient['audience'] | 'digest' | 'route' | 'edit';
/** An approval, or the revocation (通过并撤销) of one. */
export type EventAction = 'approve' | 'revoke';

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
  /** Default `approve`. */
  action?: EventAction;
}

export interface NewDelivery {
  audience: Recipient['audience'] | 'route';
  receiveIdType: ReceiveIdType;
  receiveId: string;
  uuid: string;
  /** Why this recipient gets the card (a team chat's routing reason). */
  decision?: string;
}

export interface StoredEvent extends NewEvent {
  action: EventAction;
  /** An approval that was revoked: the revocation's event id. */
  revokedBy?: string;
}

/** What recording a revocation did. */
export type RevocationResult =
  | { result: 'duplicate' }
  /** `unknown`: no approval of the instance was seen (stored as ignored); `revoked`: its cards are dealt with. */
  | { result: 'stored'; outcome: 'unknown' }
  | { result: 'stored'; outcome: 'revoked'; approvalEventId: string; cancelled: number; edits: number };

export interface Delivery {
  id: number;
  /** null for a digest. */
  eventId: string | null;
  kind: ApprovalKindName | null;
  /** null for a digest. */
  instanceCode: string | null;
  /** The normalized event; null for a digest. */
  payload: string | null;
  audience: Audience;
  receiveIdType: ReceiveIdType;
  receiveId: string;
  uuid: string;
  status: DeliveryStatus;
  digestId: number | null;
  /** Attempts started: a delivery with attempts > 0 may have reached Feishu. */
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  messageId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Retries give up this long after this time (the creation, or the last re-queue). */
  retryFrom: number;
  /** Why it went to this recipient; for a route row, the whole decision (every chat, and why or why not). */
  decision: string | null;
  /** For an edit: the delivery whose sent card it edits. */
  targetId: number | null;
  /** The event was revoked (its cards are shown revoked): the revocation's event id. */
  revokedBy: string | null;
}

/** `revoked`: stored as ignored, because a revocation of its instance arrived first (no deliveries). */
export type RecordResult = 'stored' | 'duplicate' | 'revoked';

export interface StoreInfo {
  engine: 'sqlite' | 'postgres';
  /** Where the data is: the database file. */
  location: string;
  schemaVersion: number;
  /** Migrations this open applied ("2 one outbox layout…"), oldest first; empty when none were due. */
  migrated: string[];
  /** The schema version the database had before this open (0: a new database). */
  migratedFrom: number;
}

/**
 * The inbox and outbox, on SQLite (one instance) or PostgreSQL (several). Asynchronous because
 * PostgreSQL is a network round trip; the SQLite store answers at once.
 */
export interface Store {
  recordEvent(event: NewEvent, deliveries: readonly NewDelivery[]): Promise<RecordResult>;
  /** Several events in one transaction: all are stored, or none and it throws. */
  recordEvents(batch: ReadonlyArray<{ event: NewEvent; deliveries: readonly NewDelivery[] }>): Promise<RecordResult[]>;
  event(eventId: string): Promise<StoredEvent | undefined>;
  /**
   * Records a revocation (`event.action` = revoke, status accepted) and, in the same transaction,
   * deals with the revoked approval's deliveries: never attempted → cancelled; a route row not yet
   * decided → cancelled; sent, attempted or in a digest → an edit of that card (the digest's). No
   * approval of the instance (of `event.kind`, or of any kind when it is unset) → stored as ignored.
   */
  recordRevocation(event: NewEvent): Promise<RevocationResult>;
  /** Pending deliveries due at `now`, oldest first, skipping those already in flight. */
  dueDeliveries(now: number, limit: number, exclude: ReadonlySet<number>): Promise<Delivery[]>;
  nextDueAt(): Promise<number | undefined>;
  /**
   * Records that an attempt starts, before the request leaves. False when the delivery is no longer
   * pending (a revocation cancelled it meanwhile): then nothing may be sent.
   */
  markAttempting(id: number, now: number): Promise<boolean>;
  /** Attempts started after `since` (also by an earlier process), oldest first. */
  recentAttempts(since: number): Promise<Array<{ receiveIdType: ReceiveIdType; receiveId: string; at: number }>>;
  /** Sent; for a digest, its members too. */
  markSent(id: number, messageId: string, now: number): Promise<void>;
  markRetry(id: number, error: string, nextAttemptAt: number, now: number): Promise<void>;
  markDead(id: number, error: string, now: number): Promise<void>;
  /** Cancelled with a reason, if still pending (an edit whose card was never delivered). */
  markCancelled(id: number, reason: string, now: number): Promise<void>;
  /** Whether at least `min` due team deliveries, never attempted, wait for this chat. */
  chatBacklogged(chatId: string, now: number, min: number): Promise<boolean>;
  /** Due team deliveries to a chat never attempted, oldest first: candidates for a digest. */
  digestCandidates(chatId: string, now: number, limit: number): Promise<Delivery[]>;
  /** Records a digest carrying these deliveries (all still pending and never attempted), or nothing. */
  createDigest(chatId: string, memberIds: readonly number[], uuid: string, now: number): Promise<Delivery | undefined>;
  digestMembers(digestId: number): Promise<Delivery[]>;
  /**
   * Records a route row's decision and the team deliveries it makes, in one transaction; `error`
   * set: the row is dead with it (what could be decided still goes out), else done (`sent`).
   * False when the row is no longer a pending route (nothing is written).
   */
  recordRouting(routeId: number, teams: readonly NewDelivery[], decision: string, error: string | null, now: number): Promise<boolean>;
  deliveries(filter?: { status?: DeliveryStatus; eventId?: string }): Promise<Delivery[]>;
  delivery(id: number): Promise<Delivery | undefined>;
  /** Puts a dead delivery back in the queue, due now, with a fresh retry horizon. */
  requeue(id: number, now: number): Promise<boolean>;
  requeueAllDead(now: number): Promise<number>;
  /** Throws unless the database takes a write lock now. */
  checkWritable(): Promise<void>;
  /** What waits in the outbox: pending deliveries (not counting digest members), dead ones, the oldest pending. */
  outboxStats(): Promise<{ pending: number; dead: number; oldestPendingCreatedAt: number | undefined }>;
  /** Chats whose membership changed: the membership events received after `since`, oldest first. */
  chatChangesSince(since: number): Promise<ChatChange[]>;
  /**
   * Forgets up to `limit` events (and their sent deliveries) received before `cutoff` that have
   * nothing left to do, oldest first, and up to `limit` sent digests. `more`: a limit was reached,
   * so there may be more to forget.
   */
  purgeBefore(cutoff: number, limit: number): Promise<{ events: number; more: boolean }>;
  /**
   * Resolves once every write committed before the call is on disk (survives a power cut). A
   * committed write already survives a crash of the process; only what must not be lost or
   * repeated on a power cut waits for this: an event before it is acknowledged, an attempt
   * before its request leaves.
   */
  durable(): Promise<void>;
  /** What the store is, for the start-up summary. */
  about(): StoreInfo;
  close(): Promise<void>;
}

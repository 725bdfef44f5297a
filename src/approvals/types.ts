// The domain events the bot announces, parsed and validated from Feishu payloads.
import type { EventEnvelope, Json } from '../ingest/envelope.js';

export type ApprovalKindName = 'remedy' | 'shift';

export interface RemedyApproved {
  kind: 'remedy';
  instanceCode: string;
  /** The applicant's user_id (the remedy event carries no open_id). */
  employeeUserId: string;
  /** The clock-in time being remedied, epoch ms. */
  remedyAt: number;
  reason: string;
  approvalCode?: string;
}

export interface ShiftApproved {
  kind: 'shift';
  instanceCode: string;
  approvalCode?: string;
  employeeUserId?: string;
  employeeOpenId?: string;
  /** Wall-clock `yyyy-MM-dd HH:mm:ss` in the employee's attendance zone (no zone in the event). */
  shiftTime: string;
  /** Same format; null for a one-way shift change. */
  returnTime: string | null;
  reason: string;
}

export type ApprovalEvent = RemedyApproved | ShiftApproved;

export type ReceiveIdType = 'open_id' | 'user_id' | 'chat_id';

export interface Recipient {
  audience: 'employee' | 'team';
  receiveIdType: ReceiveIdType;
  receiveId: string;
}

export type Normalized =
  | { ok: true; event: ApprovalEvent }
  /** `ignored`: valid but not something to announce (e.g. not APPROVED). */
  | { ok: false; outcome: 'rejected' | 'ignored'; reason: string };

export interface ApprovalKind {
  kind: ApprovalKindName;
  eventType: string;
  normalize(payload: Json, envelope: EventEnvelope): Normalized;
  employee(event: ApprovalEvent): Recipient;
}

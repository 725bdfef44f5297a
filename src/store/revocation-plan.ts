// What a revocation does to the deliveries of the approval it revokes, decided the same way by
// both stores inside their transaction: a card that cannot have reached anyone is cancelled; a
// card that was sent, or may have been (an attempt started), is edited in place; a card carried
// by a digest is edited through the digest's message.
import { createHash } from 'node:crypto';
import type { Audience, DeliveryStatus } from './store.js';

export interface RevocableRow {
  id: number;
  audience: Audience;
  status: DeliveryStatus;
  attempts: number;
  digestId: number | null;
  receiveIdType: string;
  receiveId: string;
}

export interface RevocationPlan {
  cancel: Array<{ id: number; reason: string }>;
  /** One per message to edit: the delivery that sent it (a digest for its members). */
  edits: Array<{ targetId: number; receiveIdType: string; receiveId: string }>;
}

export const CANCELLED_BEFORE_SEND = 'approval revoked before this card was sent';
export const CANCELLED_BEFORE_ROUTING = 'approval revoked before its team chats were decided';

export function planRevocation(rows: readonly RevocableRow[]): RevocationPlan {
  const plan: RevocationPlan = { cancel: [], edits: [] };
  const edited = new Set<number>();
  const edit = (targetId: number, row: RevocableRow) => {
    if (edited.has(targetId)) return;
    edited.add(targetId);
    plan.edits.push({ targetId, receiveIdType: row.receiveIdType, receiveId: row.receiveId });
  };
  for (const row of rows) {
    if (row.audience === 'route') {
      // A route row sends nothing: until it has recorded its decision, cancelling it is enough.
      if (row.status === 'pending') plan.cancel.push({ id: row.id, reason: CANCELLED_BEFORE_ROUTING });
      continue;
    }
    if (row.audience !== 'employee' && row.audience !== 'team') continue;
    // Carried by a digest (`digested` until the digest is sent, then `sent` with it): its message is
    // the digest's, edited as a whole.
    if (row.digestId !== null && (row.status === 'digested' || row.status === 'sent')) edit(row.digestId, row);
    else if (row.status === 'pending' && row.attempts === 0) plan.cancel.push({ id: row.id, reason: CANCELLED_BEFORE_SEND });
    // Attempted: it may be at Feishu already, and a resend after a crash carries its uuid; the edit
    // waits until it is sent (or cancels itself if it dies).
    else if (row.status === 'pending' || row.status === 'sent') edit(row.id, row);
    // dead or cancelled: nothing reached anyone.
  }
  return plan;
}

/** An edit's uuid (PATCH has none; it keys the row like a send's): one per revocation and message. */
export function editUuid(revocationEventId: string, targetId: number): string {
  return createHash('sha256').update(`edit\n${revocationEventId}\n${targetId}`).digest('hex').slice(0, 40);
}

/** Why an approval that arrives after its revocation makes no card. */
export const revokedFirstReason = (revocationEventId: string) =>
  `revoked (revocation ${revocationEventId}) before this approval arrived: no card is sent`;

/** Why a revocation of an instance the bot never saw does nothing. */
export const unknownInstanceReason = (instanceCode: string | undefined) =>
  `no approval of instance ${instanceCode ?? '(none)'} was seen: nothing to revoke`;

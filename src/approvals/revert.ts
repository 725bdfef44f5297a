// Revocations (通过并撤销): an approved request withdrawn afterwards. Feishu sends
// leave_approval_revert, out_approval_revert and work_approval_revert for leave, out of office and
// overtime (v1 envelope, fields under `event`). For the other kinds no revert event is documented;
// the generic `approval_instance` status event (status REVERTED) covers any approval definition the
// app subscribed to, and is handled too — whether Feishu fires it for the attendance special forms
// is unconfirmed (FEISHU-NOTES §9), so nothing depends on it. A revocation is keyed on the
// instance_code, the one field every revert body is documented to carry; the operation time's field
// name is unconfirmed (read from the likely names, kept in the payload, shown nowhere).
import { FieldError, objectFields, optionalString, preview, requiredString } from './fields.js';
import type { ApprovalKindName } from './types.js';
import type { Json } from '../ingest/envelope.js';

export interface Revocation {
  instanceCode: string;
  /** The kind revoked; undefined for the generic approval_instance event (any kind of that instance). */
  kind?: ApprovalKindName;
  approvalCode?: string;
  /** When it was revoked, as Feishu said (epoch ms), when the body says it in a field we know. */
  revokedAt?: number;
}

/** The revert event types and the kind each revokes (undefined: whichever kind the instance is). */
export const REVERT_EVENT_TYPES: ReadonlyMap<string, ApprovalKindName | undefined> = new Map<string, ApprovalKindName | undefined>([
  ['leave_approval_revert', 'leave'],
  ['out_approval_revert', 'out'],
  ['work_approval_revert', 'overtime'],
  ['approval_instance', undefined],
]);

/** The event type that revokes an approval of `kind`: its own revert event, else approval_instance. */
export function revertEventTypeFor(kind: ApprovalKindName): string {
  for (const [type, revoked] of REVERT_EVENT_TYPES) if (revoked === kind) return type;
  return 'approval_instance';
}

export const INSTANCE_CODE_MAX_CHARS = 128;

export type ReadRevocation =
  | { ok: true; revocation: Revocation }
  | { ok: false; outcome: 'rejected' | 'ignored'; reason: string };

/** Whether an event type is a revocation this bot reads (matched exactly after trimming). */
export function isRevertEventType(eventType: string): boolean {
  return REVERT_EVENT_TYPES.has(eventType.trim());
}

/** Seconds or milliseconds since the epoch, as a number or a numeric string; undefined otherwise. */
function epochMs(value: unknown): number | undefined {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{9,13}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return n < 1e11 ? n * 1000 : n;
}

export function readRevocation(eventType: string, payload: Json): ReadRevocation {
  const type = eventType.trim();
  if (!REVERT_EVENT_TYPES.has(type)) return { ok: false, outcome: 'ignored', reason: 'not a revocation' };
  const kind = REVERT_EVENT_TYPES.get(type);
  const fields = objectFields(payload);
  try {
    const instanceCode = requiredString(fields, 'instance_code');
    if (instanceCode.length > INSTANCE_CODE_MAX_CHARS || /[\u0000-\u001f\u007f]/.test(instanceCode)) {
      return { ok: false, outcome: 'rejected', reason: `instance_code is not an instance code (over ${INSTANCE_CODE_MAX_CHARS} characters, or control characters)` };
    }
    if (kind === undefined) {
      // approval_instance: every status change of the instance; only REVERTED revokes an approval.
      const status = requiredString(fields, 'status');
      if (status.toUpperCase() !== 'REVERTED') {
        return { ok: false, outcome: 'ignored', reason: `approval_instance status ${preview(status)}: only REVERTED revokes an approval` };
      }
    }
    const approvalCode = optionalString(fields, 'approval_code');
    const revokedAt = epochMs(fields.operate_time) ?? epochMs(fields.revert_time) ?? epochMs(fields.operation_time);
    return {
      ok: true,
      revocation: { instanceCode, ...(kind ? { kind } : {}), ...(approvalCode ? { approvalCode } : {}), ...(revokedAt !== undefined ? { revokedAt } : {}) },
    };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, outcome: 'rejected', reason: error.message };
    throw error;
  }
}

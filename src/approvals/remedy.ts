// 补卡 approved: approval.instance.remedy_group_update_v4 (v2.0 envelope, fields under event.object).
import { epochMillis } from '../ingest/envelope.js';
import { FieldError, objectFields, optionalString, preview, requiredString, text, validated } from './fields.js';
import type { ApprovalKind, RemedyApproved } from './types.js';

// Plausible clock-in instants; anything outside is a garbled value, not a time.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

export const remedy: ApprovalKind = {
  kind: 'remedy',
  eventType: 'approval.instance.remedy_group_update_v4',

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const status = optionalString(fields, 'status');
      const instanceCode = requiredString(fields, 'instance_code');
      if (status !== undefined && status !== 'APPROVED') {
        return { ok: false, outcome: 'ignored', reason: `status ${status} is not APPROVED` };
      }
      const employeeUserId = requiredString(fields, 'employee_id');
      // Documented as ms, but the seed's example holds seconds: accept both.
      const remedyAt = epochMillis(fields.remedy_time);
      if (remedyAt === undefined || remedyAt < EARLIEST || remedyAt >= LATEST) {
        throw new FieldError(`remedy_time ${preview(fields.remedy_time)} is not a timestamp`);
      }
      const event: RemedyApproved = {
        kind: 'remedy',
        instanceCode,
        employeeUserId,
        remedyAt,
        reason: text(fields, 'remedy_reason'),
        approvalCode: optionalString(fields, 'approval_code'),
      };
      return { ok: true, event };
    });
  },

  employee(event) {
    if (event.kind !== 'remedy') throw new Error('not a remedy event');
    return { audience: 'employee', receiveIdType: 'user_id', receiveId: event.employeeUserId };
  },
};

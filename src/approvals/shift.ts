// 换班 approved: shift_approval (v1.0 envelope, fields under event).
import { normalizeWallClock } from '../cards/time.js';
import { FieldError, objectFields, optionalString, preview, requiredString, text, validated } from './fields.js';
import type { ApprovalKind, ShiftApproved } from './types.js';

function wallClock(value: string, name: string): string {
  const normalized = normalizeWallClock(value);
  if (normalized === undefined) throw new FieldError(`${name} ${preview(value)} is not a time like 2018-12-01 12:00:00`);
  return normalized;
}

export const shift: ApprovalKind = {
  kind: 'shift',
  eventType: 'shift_approval',

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const instanceCode = requiredString(fields, 'instance_code');
      const employeeOpenId = optionalString(fields, 'open_id');
      const employeeUserId = optionalString(fields, 'employee_id');
      if (employeeOpenId === undefined && employeeUserId === undefined) {
        throw new FieldError('neither open_id nor employee_id names the employee');
      }
      const returnRaw = optionalString(fields, 'return_time');
      const event: ShiftApproved = {
        kind: 'shift',
        instanceCode,
        approvalCode: optionalString(fields, 'approval_code'),
        employeeOpenId,
        employeeUserId,
        shiftTime: wallClock(requiredString(fields, 'shift_time'), 'shift_time'),
        // An empty return_time is a one-way shift change.
        returnTime: returnRaw === undefined ? null : wallClock(returnRaw, 'return_time'),
        reason: text(fields, 'shift_reason'),
      };
      return { ok: true, event };
    });
  },

  employee(event) {
    if (event.kind !== 'shift') throw new Error('not a shift event');
    return event.employeeOpenId !== undefined
      ? { audience: 'employee', receiveIdType: 'open_id', receiveId: event.employeeOpenId }
      : { audience: 'employee', receiveIdType: 'user_id', receiveId: event.employeeUserId! };
  },
};

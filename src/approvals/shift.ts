// 换班 approved: shift_approval (v1.0 envelope, fields under event).
import { inTeamZone } from '../cards/periods.js';
import { formatInstant, normalizeWallClock, wallClockToInstant } from '../cards/time.js';
import { FieldError, objectFields, optionalString, preview, requiredString, text, validated } from './fields.js';
import { defineKind } from './kind.js';
import type { ShiftApproved } from './types.js';

function wallClock(value: string, name: string): string {
  const normalized = normalizeWallClock(value);
  if (normalized === undefined) throw new FieldError(`${name} ${preview(value)} is not a time like 2018-12-01 12:00:00`);
  return normalized;
}

export const shift = defineKind({
  kind: 'shift',
  eventTypes: ['shift_approval'],

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

  identity: (event) => ({ userId: event.employeeUserId, openId: event.employeeOpenId }),
  // A wall clock in the employee's zone: its own date is the day.
  day: (event) => event.shiftTime.slice(0, 10),

  templateVariables: {
    names: ['dates', 'shift_datetime', 'return_datetime', 'team_shift_datetime', 'team_return_datetime'],
    required: ['dates', 'shift_datetime', 'instance_code'],
    worstCase: { dates: '12-31 ↔ 01-01' },
  },

  cardVariables(event, { zone, teamZone }) {
    const shiftInstant = wallClockToInstant(event.shiftTime, zone);
    const shiftAt = formatInstant(shiftInstant, zone);
    const returnInstant = event.returnTime === null ? undefined : wallClockToInstant(event.returnTime, zone);
    const returnAt = returnInstant === undefined ? undefined : formatInstant(returnInstant, zone);
    return {
      dates: returnAt ? `${shiftAt.monthDay} ↔ ${returnAt.monthDay}` : shiftAt.monthDay,
      shift_datetime: shiftAt.full,
      return_datetime: returnAt?.full ?? '',
      team_shift_datetime: inTeamZone(shiftInstant, shiftAt.full, teamZone),
      team_return_datetime: returnAt && returnInstant !== undefined ? inTeamZone(returnInstant, returnAt.full, teamZone) : '',
    };
  },

  digestRow(v, name) {
    const what = (label: string) => (name ? `${label} · ${name} · ${v.dates}` : `${label} ${v.dates}`);
    return {
      zh_cn: `${what('换班')} · ${v.shift_datetime}`,
      en_us: `${what('Shift change')} · ${v.shift_datetime}`,
      ja_jp: `${what('シフト交代')} · ${v.shift_datetime}`,
    };
  },
});

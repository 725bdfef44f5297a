// 请假 approved: leave_approval and leave_approvalV2 (v1.0 envelope, fields under event).
//
// Feishu sends both for one approved leave, with different uuids and the same instance_code. Both
// are read here into the same LeaveApproved, and the store accepts one event per kind and
// instance_code, so whichever arrives first makes the card and the other is a duplicate. Which one
// that is, is not documented; the two carry the same times, unit, duration, reason and employee
// and differ in two things only:
// - the leave type: leave_approvalV2 names it by an @i18n@ key (leave_name) that i18n_resources
//   resolves per card language; leave_approval gives one text (leave_type, "事假") in the
//   tenant's language, shown as it is in every language;
// - the unit: a name (DAY, HALF_DAY…) in V2, a number (1 day, 2 half day…) in leave_approval.
// V2's other fields (leave_range, leave_detail, nursing-leave minutes, certificates) stay out of
// the card. Its origin_instance_code links a 销假 (leave cancellation) to the leave it cancels;
// whether such a cancellation also arrives as leave_approval/leave_approvalV2 is not documented,
// and leave_approval would not say so anyway, so it is not acted on here.
import { localizedVariable, neutralWhereMissing, type Localized } from '../cards/locales.js';
import { PERIOD_WORST_CASE, periodVariables, rangeDuration } from '../cards/periods.js';
import { durationUnit, employeeIds, i18nResources, localizedName, objectFields, optionalString, requiredString, seconds, text, validated, wallClockRange } from './fields.js';
import { defineKind, typedSpanRow } from './kind.js';
import type { LeaveApproved } from './types.js';

/** What the card says where the event names no leave type it can show. */
export const LEAVE_NEUTRAL: Localized = { zh_cn: '请假', en_us: 'Leave', ja_jp: '休暇' };

export const leave = defineKind({
  kind: 'leave',
  eventTypes: ['leave_approvalV2', 'leave_approval'],

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const instanceCode = requiredString(fields, 'instance_code');
      const resources = i18nResources(fields);
      // V2 names the type by key (leave_name); leave_approval by text (leave_type).
      const named = localizedName(fields, 'leave_name', resources);
      const event: LeaveApproved = {
        kind: 'leave',
        instanceCode,
        approvalCode: optionalString(fields, 'approval_code'),
        // leave_approval: employee_id; leave_approvalV2: user_id. Both: open_id.
        ...employeeIds(fields, ['employee_id', 'user_id']),
        leaveType: Object.keys(named).length > 0 ? named : localizedName(fields, 'leave_type', resources),
        ...wallClockRange(fields, 'leave_start_time', 'leave_end_time'),
        intervalSeconds: seconds(fields, 'leave_interval'),
        unit: durationUnit(fields, 'leave_unit'),
        reason: text(fields, 'leave_reason'),
      };
      return { ok: true, event };
    });
  },

  identity: (event) => ({ userId: event.employeeUserId, openId: event.employeeOpenId }),
  day: (event) => event.start.slice(0, 10),

  templateVariables: {
    names: ['range', 'period', 'start_datetime', 'end_datetime', 'team_period', 'leave_type', 'duration'],
    localized: ['leave_type', 'duration'],
    required: ['range', 'period', 'instance_code'],
    worstCase: { ...PERIOD_WORST_CASE, leave_type: '<'.repeat(40), duration: '1234.56 minutes' },
  },

  cardVariables(event, { zone, teamZone }) {
    return {
      ...periodVariables(event, zone, teamZone),
      ...localizedVariable('leave_type', neutralWhereMissing(event.leaveType, LEAVE_NEUTRAL)),
      ...localizedVariable('duration', rangeDuration(event.intervalSeconds, [event], event.unit)),
    };
  },

  digestRow: (v, name) => typedSpanRow(v, name, { zh_cn: '请假已通过', en_us: 'Leave approved', ja_jp: '休暇承認' }, 'leave_type', LEAVE_NEUTRAL),
});

// 外出 approved: out_approval (v1.0 envelope, fields under event). The out-of-office type is an
// @i18n@ key (out_name) that i18n_resources resolves per card language.
import { localizedVariable, neutralWhereMissing, type Localized } from '../cards/locales.js';
import { PERIOD_WORST_CASE, periodVariables, rangeDuration } from '../cards/periods.js';
import { durationUnit, employeeIds, i18nResources, localizedName, objectFields, optionalString, requiredString, seconds, text, validated, wallClockRange } from './fields.js';
import { defineKind, typedSpanRow } from './kind.js';
import type { OutApproved } from './types.js';

/** What the card says where the event names no out-of-office type it can show. */
export const OUT_NEUTRAL: Localized = { zh_cn: '外出', en_us: 'Out of office', ja_jp: '外出' };

export const out = defineKind({
  kind: 'out',
  eventTypes: ['out_approval'],

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const event: OutApproved = {
        kind: 'out',
        instanceCode: requiredString(fields, 'instance_code'),
        approvalCode: optionalString(fields, 'approval_code'),
        // The field table names user_id; employee_id as the other attendance events call it.
        ...employeeIds(fields, ['user_id', 'employee_id']),
        outType: localizedName(fields, 'out_name', i18nResources(fields)),
        ...wallClockRange(fields, 'out_start_time', 'out_end_time'),
        intervalSeconds: seconds(fields, 'out_interval'),
        unit: durationUnit(fields, 'out_unit'),
        reason: text(fields, 'out_reason'),
      };
      return { ok: true, event };
    });
  },

  identity: (event) => ({ userId: event.employeeUserId, openId: event.employeeOpenId }),
  day: (event) => event.start.slice(0, 10),

  templateVariables: {
    names: ['range', 'period', 'start_datetime', 'end_datetime', 'team_period', 'out_type', 'duration'],
    localized: ['out_type', 'duration'],
    required: ['range', 'period', 'instance_code'],
    worstCase: { ...PERIOD_WORST_CASE, out_type: '<'.repeat(40), duration: '1234.56 minutes' },
  },

  cardVariables(event, { zone, teamZone }) {
    return {
      ...periodVariables(event, zone, teamZone),
      ...localizedVariable('out_type', neutralWhereMissing(event.outType, OUT_NEUTRAL)),
      ...localizedVariable('duration', rangeDuration(event.intervalSeconds, [event], event.unit)),
    };
  },

  digestRow: (v, name) => typedSpanRow(v, name, { zh_cn: '外出已通过', en_us: 'Out of office approved', ja_jp: '外出承認' }, 'out_type', OUT_NEUTRAL),
});

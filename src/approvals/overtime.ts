// 加班 approved: work_approval (v1.0 envelope, fields under event).
//
// An overtime request may have several time ranges (allow_multi_time_range = 1). The field table
// and sample name the list time_range ([{work_start_time, work_end_time}, …]); FEISHU-NOTES marks
// the name unconfirmed. Both readings are handled: each range of time_range is shown when the
// event has the list, and the one range work_start_time → work_end_time (which, in the sample,
// spans them all) when it has none, whatever allow_multi_time_range says.
import { localizedVariable, neutralWhereMissing, type Localized } from '../cards/locales.js';
import { formatPeriod, PERIOD_WORST_CASE, rangeDuration, wallClockPeriod } from '../cards/periods.js';
import { wallClockToInstant } from '../cards/time.js';
import { isObject, type Json } from '../ingest/envelope.js';
import {
  employeeIds,
  FieldError,
  i18nResources,
  localizedName,
  objectFields,
  optionalString,
  requiredString,
  seconds,
  text,
  validated,
  wallClockRange,
} from './fields.js';
import { defineKind, typedSpanRow } from './kind.js';
import type { OvertimeApproved, WallClockRange } from './types.js';

/** What the card says where the event names no overtime type it can show. */
export const OVERTIME_NEUTRAL: Localized = { zh_cn: '加班', en_us: 'Overtime', ja_jp: '残業' };

/** A card lists at most this many ranges, then says how many more (the card has a size limit). */
export const MAX_RANGES_SHOWN = 8;

/** The ranges of time_range, when the event has the list. */
function listedRanges(fields: Json): WallClockRange[] | undefined {
  let list: unknown = fields.time_range;
  if (list === undefined || list === null || list === '') return undefined;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch {
      return undefined; // an encoding not known here: the overall range stands in
    }
  }
  if (isObject(list)) list = [list];
  if (!Array.isArray(list)) throw new FieldError('time_range is not a list of time ranges');
  if (list.length === 0) return undefined;
  return list.map((entry, i) => {
    const label = `time_range[${i}].`;
    if (Array.isArray(entry) && entry.length === 2) return wallClockRange({ work_start_time: entry[0], work_end_time: entry[1] }, 'work_start_time', 'work_end_time', label);
    if (!isObject(entry)) throw new FieldError(`${label.slice(0, -1)} is not a time range`);
    return wallClockRange(entry, 'work_start_time', 'work_end_time', label);
  });
}

const earliest = (ranges: readonly WallClockRange[]) => ranges.reduce((a, r) => (r.start < a ? r.start : a), ranges[0]!.start);
const latest = (ranges: readonly WallClockRange[]) => ranges.reduce((a, r) => (r.end > a ? r.end : a), ranges[0]!.end);

export const overtime = defineKind({
  kind: 'overtime',
  eventTypes: ['work_approval'],

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const instanceCode = requiredString(fields, 'instance_code');
      const ranges = listedRanges(fields) ?? [wallClockRange(fields, 'work_start_time', 'work_end_time')];
      const event: OvertimeApproved = {
        kind: 'overtime',
        instanceCode,
        approvalCode: optionalString(fields, 'approval_code'),
        ...employeeIds(fields, ['employee_id', 'user_id']),
        // A text ("调休加班") or, should Feishu send one, an @i18n@ key: the event documents no
        // i18n_resources for it, so a key reads as the neutral word unless resources come along.
        overtimeType: localizedName(fields, 'work_type', i18nResources(fields)),
        ranges,
        intervalSeconds: seconds(fields, 'work_interval'),
        reason: text(fields, 'work_reason'),
      };
      return { ok: true, event };
    });
  },

  identity: (event) => ({ userId: event.employeeUserId, openId: event.employeeOpenId }),
  day: (event) => earliest(event.ranges).slice(0, 10),

  templateVariables: {
    names: ['range', 'period', 'start_datetime', 'end_datetime', 'ranges', 'team_period', 'overtime_type', 'duration'],
    localized: ['overtime_type', 'duration'],
    required: ['range', 'period', 'instance_code'],
    worstCase: {
      ...PERIOD_WORST_CASE,
      ranges: Array.from({ length: MAX_RANGES_SHOWN }, () => `• ${PERIOD_WORST_CASE.period}`).join('\n') + '\n… (+99)',
      team_period: Array.from({ length: MAX_RANGES_SHOWN }, () => `• ${PERIOD_WORST_CASE.period}`).join('\n') + '\n… (+99)',
      overtime_type: '<'.repeat(40),
      duration: '1234.56 minutes',
    },
  },

  cardVariables(event, { zone, teamZone }) {
    const overall = formatPeriod(wallClockToInstant(earliest(event.ranges), zone), wallClockToInstant(latest(event.ranges), zone), zone);
    const each = event.ranges.map((range) => wallClockPeriod(range, zone, teamZone));
    const several = each.length > 1;
    const lines = (texts: string[]) => {
      const shown = texts.slice(0, MAX_RANGES_SHOWN).map((t) => `• ${t}`);
      if (texts.length > MAX_RANGES_SHOWN) shown.push(`… (+${texts.length - MAX_RANGES_SHOWN})`);
      return shown.join('\n');
    };
    const sameTeamReading = each.every((p) => p.team === '');
    return {
      // One range: its times; several: the days they fall on (each range is listed in the body).
      range: several ? (overall.start.date === overall.end.date ? overall.start.monthDay : `${overall.start.monthDay} → ${overall.end.monthDay}`) : each[0]!.short,
      period: overall.full,
      start_datetime: overall.start.full,
      end_datetime: overall.end.full,
      ranges: several ? lines(each.map((p) => p.full)) : '',
      team_period: sameTeamReading ? '' : several ? lines(event.ranges.map((r) => formatPeriod(wallClockToInstant(r.start, zone), wallClockToInstant(r.end, zone), teamZone).full)) : each[0]!.team,
      ...localizedVariable('overtime_type', neutralWhereMissing(event.overtimeType, OVERTIME_NEUTRAL)),
      ...localizedVariable('duration', rangeDuration(event.intervalSeconds, event.ranges, 'HOUR')),
    };
  },

  digestRow: (v, name) => typedSpanRow(v, name, { zh_cn: '加班已通过', en_us: 'Overtime approved', ja_jp: '残業承認' }, 'overtime_type', OVERTIME_NEUTRAL),
});

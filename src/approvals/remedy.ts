// 补卡 approved: approval.instance.remedy_group_update_v4 (v2.0 envelope, fields under event.object).
import { inTeamZone } from '../cards/periods.js';
import { formatInstant } from '../cards/time.js';
import { epochMillis } from '../ingest/envelope.js';
import { FieldError, objectFields, optionalString, preview, requiredString, text, validated } from './fields.js';
import { defineKind } from './kind.js';
import type { RemedyApproved } from './types.js';

// Plausible clock-in instants; anything outside is a garbled value, not a time.
const EARLIEST = Date.UTC(2000, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

const dayFormats = new Map<string, Intl.DateTimeFormat>();

export const remedy = defineKind({
  kind: 'remedy',
  eventTypes: ['approval.instance.remedy_group_update_v4'],

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

  // The remedy event names its employee by user_id only.
  identity: (event) => ({ userId: event.employeeUserId }),

  // An instant: its date where the team is, until the employee's zone is known.
  day(event, fallbackZone) {
    let format = dayFormats.get(fallbackZone);
    if (!format) {
      format = new Intl.DateTimeFormat('en-CA', { timeZone: fallbackZone, year: 'numeric', month: '2-digit', day: '2-digit' });
      dayFormats.set(fallbackZone, format);
    }
    return format.format(event.remedyAt);
  },

  templateVariables: {
    names: ['time', 'datetime', 'team_datetime'],
    required: ['time', 'datetime', 'instance_code'],
    worstCase: { time: '23:59' },
  },

  cardVariables(event, { zone, teamZone }) {
    const at = formatInstant(event.remedyAt, zone);
    return { time: at.time, datetime: at.full, team_datetime: inTeamZone(event.remedyAt, at.full, teamZone) };
  },

  digestRow(v, name) {
    const who = name ? `${name} · ` : '';
    return {
      zh_cn: `补卡已通过 · ${who}${v.datetime}`,
      en_us: `补卡 approved · ${who}${v.datetime}`,
      ja_jp: `打刻修正承認 · ${who}${v.datetime}`,
    };
  },
});

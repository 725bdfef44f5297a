// 出差 approved: approval.instance.trip_group_update_v4 (v2.0 envelope, fields under event.object).
//
// Two readings of the page are handled where it and FEISHU-NOTES differ:
// - who travels: the sample names the applicant as start_user.id.{user_id, open_id}; the notes say
//   employee_id/open_id. start_user is read first, then those.
// - fellow travellers: the sample gives trip_peers as [{id: {user_id, open_id, union_id}}], the
//   SDK's types as a list of user ids. Both are read; each is shown by a person element (a name,
//   no notification), never mentioned.
// Leg times are zone-less wall clocks like every attendance form's; they are read in the
// employee's zone, as the other kinds' are (whether Feishu means the departure's zone is not
// documented).
import { escapeMarkdown, oneLine } from '../cards/escape.js';
import { localizedVariable, perLocale, type Locale, type Localized } from '../cards/locales.js';
import { formatPeriod, PERIOD_WORST_CASE, rangeDuration, wallClockPeriod } from '../cards/periods.js';
import { wallClockToInstant } from '../cards/time.js';
import { isObject, type Json } from '../ingest/envelope.js';
import { FieldError, lineText, objectFields, optionalString, preview, requiredString, seconds, text, validated, wallClockRange } from './fields.js';
import { defineKind } from './kind.js';
import type { TripApproved, TripLeg } from './types.js';

/** A card lists at most this many legs and fellow travellers, then says how many more (the card has a size and an element limit). */
export const MAX_LEGS_SHOWN = 5;
export const MAX_PEERS_SHOWN = 10;
/** A place, a means of transport, a trip type is cut here; a route line here. */
const PLACE_MAX_CHARS = 30;
const ROUTE_MAX_CHARS = 100;

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** An id the event gives for a person: a string, or {open_id, user_id, union_id} itself or under `id`. */
function personId(value: unknown, label: string): { userId?: string; openId?: string; unionId?: string } {
  if (typeof value === 'string') {
    if (!ID.test(value.trim())) throw new FieldError(`${label} ${preview(value)} is not a user id`);
    return value.trim().startsWith('ou_') ? { openId: value.trim() } : { userId: value.trim() };
  }
  if (!isObject(value)) throw new FieldError(`${label} is not a person`);
  const ids = isObject(value.id) ? value.id : value;
  const read = (name: string) => {
    const id = ids[name];
    if (id === undefined || id === null || id === '') return undefined;
    if (typeof id !== 'string' || !ID.test(id.trim())) throw new FieldError(`${label}.${name} ${preview(id)} is not an id`);
    return id.trim();
  };
  return { openId: read('open_id'), userId: read('user_id'), unionId: read('union_id') };
}

function employee(fields: Json): { employeeUserId?: string; employeeOpenId?: string } {
  const fromStartUser = fields.start_user === undefined || fields.start_user === null ? {} : personId(fields.start_user, 'start_user');
  const employeeOpenId = fromStartUser.openId ?? optionalString(fields, 'open_id');
  const employeeUserId = fromStartUser.userId ?? optionalString(fields, 'employee_id') ?? optionalString(fields, 'user_id');
  if (employeeOpenId === undefined && employeeUserId === undefined) throw new FieldError('neither start_user nor open_id nor employee_id names the employee');
  return { ...(employeeUserId !== undefined ? { employeeUserId } : {}), ...(employeeOpenId !== undefined ? { employeeOpenId } : {}) };
}

function legs(fields: Json): { legs: TripLeg[]; seconds: number | null } {
  let schedules = fields.schedules;
  if (isObject(schedules)) schedules = [schedules];
  if (!Array.isArray(schedules) || schedules.length === 0) throw new FieldError('schedules is missing or not a list of legs');
  let total: number | null = 0;
  const read = schedules.map((schedule, i): TripLeg => {
    const label = `schedules[${i}]`;
    if (!isObject(schedule)) throw new FieldError(`${label} is not a leg`);
    const legSeconds = seconds(schedule, 'trip_interval');
    total = total === null || legSeconds === null ? null : total + legSeconds;
    return {
      ...wallClockRange(schedule, 'trip_start_time', 'trip_end_time', `${label}.`),
      departure: lineText(schedule, 'departure', PLACE_MAX_CHARS),
      destination: lineText(schedule, 'destination', PLACE_MAX_CHARS),
      transportation: lineText(schedule, 'transportation', PLACE_MAX_CHARS),
      tripType: lineText(schedule, 'trip_type', PLACE_MAX_CHARS),
    };
  });
  return { legs: read, seconds: total };
}

function peers(fields: Json, self: { employeeUserId?: string; employeeOpenId?: string }): string[] {
  const value = fields.trip_peers;
  if (value === undefined || value === null || value === '') return [];
  const list = isObject(value) ? [value] : value;
  if (!Array.isArray(list)) throw new FieldError('trip_peers is not a list of people');
  const ids: string[] = [];
  list.forEach((entry, i) => {
    const person = personId(entry, `trip_peers[${i}]`);
    const id = person.openId ?? person.userId ?? person.unionId;
    if (id === undefined) throw new FieldError(`trip_peers[${i}] names no one`);
    const isSelf = (person.openId !== undefined && person.openId === self.employeeOpenId) || (person.userId !== undefined && person.userId === self.employeeUserId);
    if (!isSelf && !ids.includes(id)) ids.push(id);
  });
  return ids;
}

const earliest = (legs: readonly TripLeg[]) => legs.reduce((a, l) => (l.start < a ? l.start : a), legs[0]!.start);
const latest = (legs: readonly TripLeg[]) => legs.reduce((a, l) => (l.end > a ? l.end : a), legs[0]!.end);

/** `北京 → 上海 → 北京`: where the trip goes, places the event leaves out skipped. */
function route(legs: readonly TripLeg[]): string {
  const stops: string[] = [];
  for (const place of [legs[0]!.departure, ...legs.flatMap((l) => [l.departure, l.destination])]) {
    if (place !== '' && stops.at(-1) !== place) stops.push(place);
  }
  return oneLine(stops.join(' → '), ROUTE_MAX_CHARS);
}

const more = (n: number): Localized => ({ zh_cn: `等另外 ${n} 人`, en_us: `and ${n} more`, ja_jp: `ほか ${n} 名` });

export const trip = defineKind({
  kind: 'trip',
  eventTypes: ['approval.instance.trip_group_update_v4'],

  normalize(payload) {
    const fields = objectFields(payload);
    return validated(() => {
      const instanceCode = requiredString(fields, 'instance_code');
      // object.type is documented as always APPROVED; anything else is not an approval to announce.
      const status = optionalString(fields, 'type');
      if (status !== undefined && status !== 'APPROVED') return { ok: false, outcome: 'ignored', reason: `type ${status} is not APPROVED` };
      const who = employee(fields);
      const schedule = legs(fields);
      const event: TripApproved = {
        kind: 'trip',
        instanceCode,
        approvalCode: optionalString(fields, 'approval_code'),
        ...who,
        legs: schedule.legs,
        intervalSeconds: seconds(fields, 'trip_interval') ?? schedule.seconds,
        peers: peers(fields, who),
        reason: text(fields, 'trip_reason'),
      };
      return { ok: true, event };
    });
  },

  identity: (event) => ({ userId: event.employeeUserId, openId: event.employeeOpenId }),
  day: (event) => earliest(event.legs).slice(0, 10),

  templateVariables: {
    names: ['range', 'period', 'start_datetime', 'end_datetime', 'team_period', 'route', 'legs', 'duration', 'trip_peer_ids', 'trip_peers_more'],
    localized: ['duration', 'trip_peers_more'],
    lists: ['trip_peer_ids'],
    required: ['range', 'legs', 'instance_code'],
    worstCase: {
      ...PERIOD_WORST_CASE,
      route: '<'.repeat(ROUTE_MAX_CHARS),
      legs:
        Array.from({ length: MAX_LEGS_SHOWN }, () => {
          const place = '<'.repeat(PLACE_MAX_CHARS);
          return `• ${place} → ${place} · ${PERIOD_WORST_CASE.period} · ${place} · ${place}`;
        }).join('\n') + '\n… (+99)',
      duration: '1234.56 minutes',
      trip_peer_ids: Array.from({ length: MAX_PEERS_SHOWN }, () => 'ou_' + 'f'.repeat(61)).join('\n'),
      trip_peers_more: 'and 999 more',
    },
  },

  cardVariables(event, { zone, teamZone }) {
    const overall = wallClockPeriod({ start: earliest(event.legs), end: latest(event.legs) }, zone, teamZone);
    // One copy for every language: the places, the transport and the trip type are the words of
    // the employee's form (a card carries each localized text four times, and a trip's legs are
    // the biggest part of it).
    const legLines = event.legs.slice(0, MAX_LEGS_SHOWN).map((leg) => {
      const when = formatPeriod(wallClockToInstant(leg.start, zone), wallClockToInstant(leg.end, zone), zone).full;
      const how = [leg.transportation, leg.tripType].filter((w) => w !== '');
      return [`• ${leg.departure || '—'} → ${leg.destination || '—'}`, when, ...how].join(' · ');
    });
    if (event.legs.length > MAX_LEGS_SHOWN) legLines.push(`… (+${event.legs.length - MAX_LEGS_SHOWN})`);
    const hidden = event.peers.length - MAX_PEERS_SHOWN;
    return {
      range: overall.short,
      period: overall.full,
      start_datetime: overall.start.full,
      end_datetime: overall.end.full,
      team_period: overall.team,
      route: route(event.legs),
      legs: legLines.join('\n'),
      ...localizedVariable('duration', rangeDuration(event.intervalSeconds, [{ start: earliest(event.legs), end: latest(event.legs) }], null)),
      trip_peer_ids: event.peers.slice(0, MAX_PEERS_SHOWN).join('\n'),
      ...localizedVariable('trip_peers_more', hidden > 0 ? more(hidden) : perLocale(() => '')),
    };
  },

  digestRow(v, name) {
    const who = name ? `${name} · ` : '';
    const where = v.route ? `${escapeMarkdown(v.route)} · ` : '';
    const row = (label: string, locale: Locale) => `${label} · ${who}${where}${v.period} · ${v[`duration_${locale}`]}`;
    return { zh_cn: row('出差已通过', 'zh_cn'), en_us: row('Business trip approved', 'en_us'), ja_jp: row('出張承認', 'ja_jp') };
  },
});

// How a card words a span of time: a start → end in the employee's zone (and in TIMEZONE for the
// team when it reads differently), and a duration the way people say it ("3 天", "半天",
// "2.5 hours"), never as raw seconds. Every function takes its zones explicitly (see time.ts).
import type { DurationUnit, WallClockRange } from '../approvals/types.js';
import { perLocale, type Localized } from './locales.js';
import { formatInstant, formatInstantParts, wallClockSeconds, wallClockToInstant, type FormattedTimeParts } from './time.js';

/** An instant as TIMEZONE reads it, when that differs from how the employee's zone reads it; else ''. */
export function inTeamZone(instant: number, local: string, teamZone: string): string {
  const team = formatInstant(instant, teamZone).full;
  return team === local ? '' : team;
}

export interface FormattedPeriod {
  /** For headlines: `12-01 09:00 → 12-03 18:00`, or `12-01 09:00 → 18:00` within a day. */
  short: string;
  /** `2026-12-01 09:00 → 2026-12-03 18:00 (GMT+8)`, `2026-12-01 09:00 → 18:00 (GMT+8)` within a day, each end with its own offset when they differ. */
  full: string;
  start: FormattedTimeParts;
  end: FormattedTimeParts;
}

/** A span between two instants as `zone` reads it. */
export function formatPeriod(startMs: number, endMs: number, zone: string): FormattedPeriod {
  const start = formatInstantParts(startMs, zone);
  const end = formatInstantParts(endMs, zone);
  const sameDay = start.date === end.date;
  const short = `${start.monthDay} ${start.time} → ${sameDay ? '' : `${end.monthDay} `}${end.time}`;
  const full =
    start.offset !== end.offset
      ? `${start.full} → ${end.full}`
      : `${start.date} ${start.time} → ${sameDay ? '' : `${end.date} `}${end.time} (${start.offset})`;
  return { short, full, start, end };
}

export interface ZonedPeriod extends FormattedPeriod {
  /** The same span in TIMEZONE (`full` form) when it reads differently there, else ''. */
  team: string;
}

/** A wall-clock range read in the employee's zone, and how the team reads it. */
export function wallClockPeriod(range: WallClockRange, zone: string, teamZone: string): ZonedPeriod {
  const startMs = wallClockToInstant(range.start, zone);
  const endMs = wallClockToInstant(range.end, zone);
  const local = formatPeriod(startMs, endMs, zone);
  const team = formatPeriod(startMs, endMs, teamZone).full;
  return { ...local, team: team === local.full ? '' : team };
}

const DAY_S = 86_400;
const HALF_DAY_S = 43_200;

/** At most two decimals, without trailing zeros: 2.5, 1.33, 3. */
const number = (n: number) => String(Number(n.toFixed(2)));

function days(n: number): Localized {
  if (n === 0.5) return { zh_cn: '半天', en_us: 'half a day', ja_jp: '半日' };
  const text = number(n);
  return { zh_cn: `${text} 天`, en_us: `${text} ${n === 1 ? 'day' : 'days'}`, ja_jp: `${text}日` };
}

function hours(n: number): Localized {
  const text = number(n);
  return { zh_cn: `${text} 小时`, en_us: `${text} ${n === 1 ? 'hour' : 'hours'}`, ja_jp: `${text}時間` };
}

function minutes(n: number): Localized {
  const text = number(n);
  return { zh_cn: `${text} 分钟`, en_us: `${text} ${n === 1 ? 'minute' : 'minutes'}`, ja_jp: `${text}分` };
}

const hoursOrMinutes = (seconds: number) => (seconds < 3600 ? minutes(Math.round(seconds / 60)) : hours(seconds / 3600));

/** No duration to tell: the card says so with a dash, like an empty reason. */
export const NO_DURATION: Localized = perLocale(() => '—');

/**
 * A duration in the unit the employee asked in. Feishu's `*_interval` is seconds; for day units
 * both documented samples count 86,400 per day (1.5 days = 129,600), so a whole number of half
 * days reads as days. Another count for a day unit (for instance working seconds, 32,400 for a
 * 9-hour day: unconfirmed whether Feishu ever sends that) cannot be turned into days without the
 * length of a working day, which the event lacks, so it reads as hours rather than as a wrong
 * number of days. Without a unit: whole half days of at least a day read as days, anything else as
 * hours (minutes under an hour).
 */
export function durationText(seconds: number, unit: DurationUnit | null): Localized {
  if (!Number.isFinite(seconds) || seconds <= 0) return NO_DURATION;
  const wholeHalfDays = seconds % HALF_DAY_S === 0;
  switch (unit) {
    case 'DAY':
    case 'HALF_DAY':
      return wholeHalfDays ? days(seconds / DAY_S) : hoursOrMinutes(seconds);
    case 'HOUR':
    case 'HALF_HOUR':
      return hoursOrMinutes(seconds);
    case 'MINUTE':
      return minutes(Math.round(seconds / 60));
    case null:
      return wholeHalfDays && seconds >= DAY_S ? days(seconds / DAY_S) : hoursOrMinutes(seconds);
  }
}

/**
 * The duration of a range: Feishu's count when the event has one, else the span of its wall clocks
 * as a calendar reads them (so a day across a daylight-saving change is a day).
 */
export function rangeDuration(intervalSeconds: number | null, ranges: readonly WallClockRange[], unit: DurationUnit | null): Localized {
  const seconds = intervalSeconds ?? ranges.reduce((sum, r) => sum + wallClockSeconds(r.start, r.end), 0);
  return durationText(seconds, unit);
}

/** The variables of a kind whose approval is one span of time (leave, out of office). */
export function periodVariables(range: WallClockRange, zone: string, teamZone: string): Record<string, string> {
  const p = wallClockPeriod(range, zone, teamZone);
  return { range: p.short, period: p.full, start_datetime: p.start.full, end_datetime: p.end.full, team_period: p.team };
}

/** Worst-case values of those, for the template size check. */
export const PERIOD_WORST_CASE: Record<string, string> = {
  range: '12-31 23:59 → 01-01 00:00',
  period: '2026-10-25 02:30 (GMT+10:30) → 2026-10-26 02:30 (GMT+11)',
  team_period: '2026-10-25 02:30 (GMT+10:30) → 2026-10-26 02:30 (GMT+11)',
};

// Time formatting for cards. Every function takes the zone explicitly and reads zones through
// Intl only, so the process's own TZ never matters.
//
// Not date-fns-tz: with TZ=America/New_York, its formatInTimeZone(2026-03-07T18:30Z,
// 'Asia/Shanghai', 'HH:mm') gives 03:30 instead of 02:30 (it rebuilds the zoned wall clock as a
// local Date, which New York's spring-forward gap moves), and its getTimezoneOffset answers -4 h
// for America/New_York at 2026-03-08T06:30Z (01:30 EST, -5 h). test/cards/tz-independence.tz.test.ts
// renders cards under several TZ values and compares them.

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 24 * 60 * 60_000;
const pad = (n: number) => String(n).padStart(2, '0');

/** Checks a zone-less `yyyy-MM-dd HH:mm[:ss]` and returns it as `yyyy-MM-dd HH:mm:ss`, or undefined. */
export function normalizeWallClock(value: string): string | undefined {
  const m = WALL_CLOCK.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  const probe = new Date(Date.UTC(year!, month! - 1, day!));
  const calendarDay =
    probe.getUTCFullYear() === year && probe.getUTCMonth() === month! - 1 && probe.getUTCDate() === day;
  if (!calendarDay || hour! > 23 || minute! > 59 || second! > 59) return undefined;
  return `${m[1]}-${m[2]}-${m[3]} ${pad(hour!)}:${pad(minute!)}:${pad(second!)}`;
}

interface WallClockParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const partFormats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `zone` at an instant (whole seconds). */
function wallClockAt(zone: string, instant: number): WallClockParts {
  let format = partFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    partFormats.set(zone, format);
  }
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(instant)) part[type] = Number(value);
  return part as unknown as WallClockParts;
}

/** The zone's UTC offset at an instant, in ms. */
export function zoneOffset(zone: string, instant: number): number {
  const whole = Math.floor(instant / 1000) * 1000;
  const p = wallClockAt(zone, whole);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - whole;
}

/**
 * The instant of a normalized wall-clock string read in `zone`, by the `compatible` rule of the
 * Temporal proposal: a time in a spring-forward gap moves forward by the gap, a time in a
 * fall-back overlap takes the earlier instant.
 */
export function wallClockToInstant(wallClock: string, zone: string): number {
  const [date, time] = wallClock.split(' ') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const offsetBefore = zoneOffset(zone, asUtc - DAY_MS);
  const offsetAfter = zoneOffset(zone, asUtc + DAY_MS);
  const candidates = [asUtc - offsetBefore, asUtc - offsetAfter].filter(
    (instant) => asUtc - zoneOffset(zone, instant) === instant,
  );
  // No candidate: the time falls in a gap; reading it with the earlier offset moves it forward.
  return candidates.length > 0 ? Math.min(...candidates) : asUtc - offsetBefore;
}

/** `GMT+8`, `GMT+5:30`, `GMT-4`, `GMT+0`. */
function gmtOffset(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const sign = offsetMs < 0 ? '-' : '+';
  return `GMT${sign}${Math.floor(minutes / 60)}${minutes % 60 ? `:${pad(minutes % 60)}` : ''}`;
}

export interface FormattedTime {
  /** `14:03` */
  time: string;
  /** `08-24` */
  monthDay: string;
  /** `2022-08-24 17:23 (GMT+8)` */
  full: string;
}

export interface FormattedTimeParts extends FormattedTime {
  /** `2022-08-24` */
  date: string;
  /** `GMT+8` */
  offset: string;
}

/** An instant as `zone` reads it, with the parts a range is put together from. */
export function formatInstantParts(epochMs: number, zone: string): FormattedTimeParts {
  const p = wallClockAt(zone, epochMs);
  const time = `${pad(p.hour)}:${pad(p.minute)}`;
  const monthDay = `${pad(p.month)}-${pad(p.day)}`;
  const date = `${p.year}-${monthDay}`;
  const offset = gmtOffset(zoneOffset(zone, epochMs));
  return { time, monthDay, date, offset, full: `${date} ${time} (${offset})` };
}

export function formatInstant(epochMs: number, zone: string): FormattedTime {
  const { time, monthDay, full } = formatInstantParts(epochMs, zone);
  return { time, monthDay, full };
}

/**
 * Seconds from one normalized wall clock to another as a calendar reads them, whatever the zone:
 * a day off across a daylight-saving change is still 24 hours of calendar.
 */
export function wallClockSeconds(from: string, to: string): number {
  const utc = (wallClock: string) => {
    const [date, time] = wallClock.split(' ') as [string, string];
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const [hour, minute, second] = time.split(':').map(Number) as [number, number, number];
    return Date.UTC(year, month - 1, day, hour, minute, second);
  };
  return (utc(to) - utc(from)) / 1000;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

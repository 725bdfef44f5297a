// Time formatting for cards. Every function takes the zone explicitly, so the process's own TZ
// never matters (date-fns-tz's format(d, f, {timeZone}) does not convert: never use it here).
import { formatInTimeZone, fromZonedTime } from 'date-fns-tz';

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Checks a zone-less `yyyy-MM-dd HH:mm[:ss]` and returns it as `yyyy-MM-dd HH:mm:ss`, or undefined. */
export function normalizeWallClock(value: string): string | undefined {
  const m = WALL_CLOCK.exec(value.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? 0)) as number[];
  const probe = new Date(Date.UTC(year!, month! - 1, day!));
  const calendarDay =
    probe.getUTCFullYear() === year && probe.getUTCMonth() === month! - 1 && probe.getUTCDate() === day;
  if (!calendarDay || hour! > 23 || minute! > 59 || second! > 59) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${m[1]}-${m[2]}-${m[3]} ${pad(hour!)}:${pad(minute!)}:${pad(second!)}`;
}

/** The instant of a normalized wall-clock string read in `zone`. */
export function wallClockToInstant(wallClock: string, zone: string): number {
  return fromZonedTime(wallClock.replace(' ', 'T'), zone).getTime();
}

export interface FormattedTime {
  /** `14:03` */
  time: string;
  /** `08-24` */
  monthDay: string;
  /** `2022-08-24 17:23 (GMT+8)` */
  full: string;
}

export function formatInstant(epochMs: number, zone: string): FormattedTime {
  return {
    time: formatInTimeZone(epochMs, zone, 'HH:mm'),
    monthDay: formatInTimeZone(epochMs, zone, 'MM-dd'),
    full: formatInTimeZone(epochMs, zone, 'yyyy-MM-dd HH:mm (O)'),
  };
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.trim() !== '';
  } catch {
    return false;
  }
}

// Which zone an employee's times are shown in: an override from CONFIG_FILE, else the time zone of
// the employee's attendance group that day (attendance API, cached for 24 h, asked at most once per
// user and day), else TIMEZONE. A lookup that fails or takes longer than 2 s falls back, is logged
// once per user and day, and never holds a delivery back for longer than that.
import type { AttendanceApi } from '../feishu/client.js';
import type { Logger } from '../log.js';
import { isTimeZone } from '../cards/time.js';

export interface Employee {
  userId?: string;
  openId?: string;
}

export type ZoneSource = 'override' | 'attendance' | 'default';

export interface EmployeeZonesOptions {
  overrides: ReadonlyMap<string, string>;
  defaultZone: string;
  attendance?: AttendanceApi;
  log: Logger;
  timeoutMs?: number;
  ttlMs?: number;
  now?: () => number;
}

export function employeeZones(options: EmployeeZonesOptions) {
  const timeoutMs = options.timeoutMs ?? 2000;
  const ttlMs = options.ttlMs ?? 24 * 60 * 60_000;
  const now = options.now ?? Date.now;
  /** user|day → the zone found (undefined: none, fall back), and until when it holds. */
  const cache = new Map<string, { zone: string | undefined; expiresAt: number }>();
  const inFlight = new Map<string, Promise<string | undefined>>();
  const stats = { lookups: 0, fallbacks: 0 };

  async function lookUp(userId: string, day: string): Promise<string | undefined> {
    stats.lookups++;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    });
    const result = await Promise.race([options.attendance!.attendanceZone(userId, Number(day.replaceAll('-', ''))), timedOut]);
    clearTimeout(timer);
    if ('zone' in result && isTimeZone(result.zone)) return result.zone;
    stats.fallbacks++;
    const reason = 'zone' in result ? `unknown time zone ${JSON.stringify(result.zone)}` : result.error;
    options.log.warn('employee time zone falls back to TIMEZONE', { userId, day, timezone: options.defaultZone, reason });
    return undefined;
  }

  return {
    stats,
    /** The zone for an employee's times on `day` (yyyy-MM-dd). */
    async zoneFor(employee: Employee, day: string): Promise<{ zone: string; source: ZoneSource }> {
      for (const id of [employee.userId, employee.openId]) {
        const override = id === undefined ? undefined : options.overrides.get(id);
        if (override) return { zone: override, source: 'override' };
      }
      if (!options.attendance || employee.userId === undefined) return { zone: options.defaultZone, source: 'default' };
      const key = `${employee.userId}|${day}`;
      const cached = cache.get(key);
      let zone: string | undefined;
      if (cached && cached.expiresAt > now()) {
        zone = cached.zone;
      } else {
        let pending = inFlight.get(key);
        if (!pending) {
          pending = lookUp(employee.userId, day).finally(() => inFlight.delete(key));
          inFlight.set(key, pending);
        }
        zone = await pending;
        cache.set(key, { zone, expiresAt: now() + ttlMs });
      }
      return zone ? { zone, source: 'attendance' } : { zone: options.defaultZone, source: 'default' };
    },
  };
}

export type EmployeeZones = ReturnType<typeof employeeZones>;

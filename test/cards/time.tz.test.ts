// Expectations are written as wall-clock strings: the suite runs under several process TZ values
// (scripts/test.sh), and they must hold under each.
import { describe, expect, it } from 'vitest';
import { formatInstant, isTimeZone, normalizeWallClock, wallClockToInstant } from '../../src/cards/time.js';

describe('formatting instants in a zone', () => {
  it('shows remedy_time 1661333019000 in Asia/Shanghai as 2022-08-24 17:23', () => {
    expect(formatInstant(1661333019000, 'Asia/Shanghai')).toEqual({ time: '17:23', monthDay: '08-24', full: '2022-08-24 17:23 (GMT+8)' });
  });

  it.each([
    ['UTC', '2022-08-24 09:23 (GMT+0)'],
    ['America/New_York', '2022-08-24 05:23 (GMT-4)'],
    ['Asia/Kolkata', '2022-08-24 14:53 (GMT+5:30)'],
    ['Europe/Berlin', '2022-08-24 11:23 (GMT+2)'],
  ])('shows the same instant in %s as %s', (zone, full) => {
    expect(formatInstant(1661333019000, zone).full).toBe(full);
  });

  it('crosses the date line correctly', () => {
    expect(formatInstant(Date.UTC(2026, 10, 21, 20, 30), 'Asia/Tokyo')).toEqual({ time: '05:30', monthDay: '11-22', full: '2026-11-22 05:30 (GMT+9)' });
  });
});

describe('wall-clock times', () => {
  it('reads a zone-less 换班 time in the configured zone', () => {
    expect(wallClockToInstant('2018-12-01 12:00:00', 'Asia/Shanghai')).toBe(Date.UTC(2018, 11, 1, 4, 0, 0));
    expect(wallClockToInstant('2018-12-01 12:00:00', 'UTC')).toBe(Date.UTC(2018, 11, 1, 12, 0, 0));
    expect(wallClockToInstant('2018-07-01 12:00:00', 'America/New_York')).toBe(Date.UTC(2018, 6, 1, 16, 0, 0));
  });

  it('round-trips a wall-clock time through its zone', () => {
    for (const zone of ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
      expect(formatInstant(wallClockToInstant('2026-11-21 14:03:00', zone), zone).full).toMatch(/^2026-11-21 14:03 /);
    }
  });

  it('normalizes and validates the documented format', () => {
    expect(normalizeWallClock('2018-12-01 12:00:00')).toBe('2018-12-01 12:00:00');
    expect(normalizeWallClock(' 2018-12-01T08:05 ')).toBe('2018-12-01 08:05:00');
    expect(normalizeWallClock('2024-02-29 00:00:00')).toBe('2024-02-29 00:00:00');
    for (const bad of ['2023-02-29 00:00:00', '2018-12-01', '2018-12-01 12:60:00', '2018-12-01 12:00:60', '2018-00-10 01:00:00', 'x']) {
      expect(normalizeWallClock(bad)).toBeUndefined();
    }
  });
});

describe('zone names', () => {
  it('accepts IANA zones and refuses others', () => {
    expect(isTimeZone('Asia/Shanghai')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('daylight saving (the compatible rule)', () => {
  it('moves a wall-clock time in a spring-forward gap forward by the gap', () => {
    expect(formatInstant(wallClockToInstant('2026-03-08 02:30:00', 'America/New_York'), 'America/New_York').full).toBe('2026-03-08 03:30 (GMT-4)');
    expect(formatInstant(wallClockToInstant('2026-03-29 02:30:00', 'Europe/Berlin'), 'Europe/Berlin').full).toBe('2026-03-29 03:30 (GMT+2)');
  });

  it('takes the earlier instant for an ambiguous fall-back time', () => {
    expect(wallClockToInstant('2026-11-01 01:30:00', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
    expect(wallClockToInstant('2026-10-25 02:30:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('formats both instants of a repeated hour with their own offsets', () => {
    expect(formatInstant(Date.UTC(2026, 10, 1, 5, 30), 'America/New_York').full).toBe('2026-11-01 01:30 (GMT-4)');
    expect(formatInstant(Date.UTC(2026, 10, 1, 6, 30), 'America/New_York').full).toBe('2026-11-01 01:30 (GMT-5)');
  });

  it('handles half-hour shifts (Australia/Lord_Howe)', () => {
    // 2026-10-04 02:00 → 02:30 local: 02:15 does not exist and moves to 02:45 (+11)
    expect(formatInstant(wallClockToInstant('2026-10-04 02:15:00', 'Australia/Lord_Howe'), 'Australia/Lord_Howe').full).toBe('2026-10-04 02:45 (GMT+11)');
  });
});

// Spans and durations as cards word them, whatever the process's own TZ.
import { describe, expect, it } from 'vitest';
import { durationText, formatPeriod, wallClockPeriod } from '../../src/cards/periods.js';

describe('a span of time', () => {
  it('gives the date once within a day, and both dates across days', () => {
    expect(wallClockPeriod({ start: '2026-12-01 09:00:00', end: '2026-12-01 18:00:00' }, 'Asia/Shanghai', 'Asia/Shanghai')).toMatchObject({
      short: '12-01 09:00 → 18:00',
      full: '2026-12-01 09:00 → 18:00 (GMT+8)',
      team: '',
    });
    expect(wallClockPeriod({ start: '2026-12-31 22:00:00', end: '2027-01-01 02:00:00' }, 'Asia/Shanghai', 'Asia/Shanghai')).toMatchObject({
      short: '12-31 22:00 → 01-01 02:00',
      full: '2026-12-31 22:00 → 2027-01-01 02:00 (GMT+8)',
    });
  });

  it('gives each end its own offset when a daylight-saving change falls between them', () => {
    const { full } = wallClockPeriod({ start: '2026-03-07 09:00:00', end: '2026-03-09 09:00:00' }, 'America/New_York', 'America/New_York');
    expect(full).toBe('2026-03-07 09:00 (GMT-5) → 2026-03-09 09:00 (GMT-4)');
  });

  it('reads the wall clocks in the employee’s zone and shows how TIMEZONE reads the same instants', () => {
    const period = wallClockPeriod({ start: '2026-12-01 09:00:00', end: '2026-12-01 18:00:00' }, 'Europe/Berlin', 'Asia/Shanghai');
    expect(period.full).toBe('2026-12-01 09:00 → 18:00 (GMT+1)');
    expect(period.team).toBe('2026-12-01 16:00 → 2026-12-02 01:00 (GMT+8)');
  });

  it('formats instants the same in any process zone', () => {
    expect(formatPeriod(Date.UTC(2026, 10, 21, 20, 30), Date.UTC(2026, 10, 21, 23, 0), 'Asia/Tokyo').short).toBe('11-22 05:30 → 08:00');
  });
});

describe('a duration', () => {
  it.each([
    [259200, 'DAY', '3 天', '3 days', '3日'],
    [86400, 'DAY', '1 天', '1 day', '1日'],
    [43200, 'HALF_DAY', '半天', 'half a day', '半日'],
    [129600, 'HALF_DAY', '1.5 天', '1.5 days', '1.5日'],
    [32400, 'DAY', '9 小时', '9 hours', '9時間'],
    [9000, 'HOUR', '2.5 小时', '2.5 hours', '2.5時間'],
    [3600, 'HOUR', '1 小时', '1 hour', '1時間'],
    [4800, 'HOUR', '1.33 小时', '1.33 hours', '1.33時間'],
    [1800, 'HALF_HOUR', '30 分钟', '30 minutes', '30分'],
    [5400, 'MINUTE', '90 分钟', '90 minutes', '90分'],
    [60, 'MINUTE', '1 分钟', '1 minute', '1分'],
    [561600, null, '6.5 天', '6.5 days', '6.5日'],
    [43200, null, '12 小时', '12 hours', '12時間'],
    [217800, null, '60.5 小时', '60.5 hours', '60.5時間'],
    [0, 'DAY', '—', '—', '—'],
  ] as const)('%d seconds by %s: %s / %s / %s', (seconds, unit, zh, en, ja) => {
    expect(durationText(seconds, unit)).toEqual({ zh_cn: zh, en_us: en, ja_jp: ja });
  });
});

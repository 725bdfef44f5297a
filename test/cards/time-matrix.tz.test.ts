// The time matrix: instants and wall-clock strings in five zones, through both 2026 daylight-saving
// transitions, gaps and overlaps included. npm test runs this under TZ=UTC, Asia/Shanghai and
// America/New_York; the expectations are the same under each.
import { describe, expect, it } from 'vitest';
import { formatInstant, wallClockToInstant } from '../../src/cards/time.js';

const utc = (iso: string) => Date.parse(iso);

describe('instants shown in a zone', () => {
  it.each([
    ['Asia/Shanghai', '2026-03-08T07:30:00Z', '2026-03-08 15:30 (GMT+8)'],
    ['Asia/Tokyo', '2026-11-21T05:03:00Z', '2026-11-21 14:03 (GMT+9)'],
    ['Europe/Berlin', '2026-03-29T00:59:00Z', '2026-03-29 01:59 (GMT+1)'],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', '2026-03-29 03:00 (GMT+2)'],
    ['Europe/Berlin', '2026-10-25T00:30:00Z', '2026-10-25 02:30 (GMT+2)'],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', '2026-10-25 02:30 (GMT+1)'],
    ['America/New_York', '2026-03-08T06:59:00Z', '2026-03-08 01:59 (GMT-5)'],
    ['America/New_York', '2026-03-08T07:00:00Z', '2026-03-08 03:00 (GMT-4)'],
    ['America/New_York', '2026-11-01T05:30:00Z', '2026-11-01 01:30 (GMT-4)'],
    ['America/New_York', '2026-11-01T06:30:00Z', '2026-11-01 01:30 (GMT-5)'],
    ['Australia/Lord_Howe', '2026-04-04T14:45:00Z', '2026-04-05 01:45 (GMT+11)'],
    ['Australia/Lord_Howe', '2026-04-04T15:15:00Z', '2026-04-05 01:45 (GMT+10:30)'],
    ['Australia/Lord_Howe', '2026-10-03T15:29:00Z', '2026-10-04 01:59 (GMT+10:30)'],
    ['Australia/Lord_Howe', '2026-10-03T15:30:00Z', '2026-10-04 02:30 (GMT+11)'],
  ])('%s at %s reads %s', (zone, iso, shown) => {
    expect(formatInstant(utc(iso), zone).full).toBe(shown);
  });
});

describe('wall-clock times read in a zone (Temporal "compatible")', () => {
  it.each([
    // ordinary times
    ['Asia/Shanghai', '2026-03-08 02:30:00', '2026-03-07T18:30:00.000Z', '2026-03-08 02:30 (GMT+8)'],
    ['Asia/Tokyo', '2026-11-21 14:03:00', '2026-11-21T05:03:00.000Z', '2026-11-21 14:03 (GMT+9)'],
    // spring-forward gaps move forward by the gap
    ['Europe/Berlin', '2026-03-29 02:30:00', '2026-03-29T01:30:00.000Z', '2026-03-29 03:30 (GMT+2)'],
    ['America/New_York', '2026-03-08 02:30:00', '2026-03-08T07:30:00.000Z', '2026-03-08 03:30 (GMT-4)'],
    ['Australia/Lord_Howe', '2026-10-04 02:15:00', '2026-10-03T15:45:00.000Z', '2026-10-04 02:45 (GMT+11)'],
    // fall-back overlaps take the earlier instant
    ['Europe/Berlin', '2026-10-25 02:30:00', '2026-10-25T00:30:00.000Z', '2026-10-25 02:30 (GMT+2)'],
    ['America/New_York', '2026-11-01 01:30:00', '2026-11-01T05:30:00.000Z', '2026-11-01 01:30 (GMT-4)'],
    ['Australia/Lord_Howe', '2026-04-05 01:45:00', '2026-04-04T14:45:00.000Z', '2026-04-05 01:45 (GMT+11)'],
    // just outside the transitions
    ['Europe/Berlin', '2026-03-29 01:59:00', '2026-03-29T00:59:00.000Z', '2026-03-29 01:59 (GMT+1)'],
    ['Europe/Berlin', '2026-10-25 03:00:00', '2026-10-25T02:00:00.000Z', '2026-10-25 03:00 (GMT+1)'],
  ])('%s %s is %s, shown as %s', (zone, wallClock, instant, shown) => {
    const at = wallClockToInstant(wallClock, zone);
    expect(new Date(at).toISOString()).toBe(instant);
    expect(formatInstant(at, zone).full).toBe(shown);
  });
});

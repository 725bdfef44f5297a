// The process time zone a vitest project promises in its name ("tz:Asia/Shanghai"), checked
// where it matters: in the worker, through the Date and Intl APIs the code under test uses.
import { expect } from 'vitest';

// Offsets on 1970-01-01 as getTimezoneOffset gives them (minutes behind UTC).
const OFFSET_AT_EPOCH: Record<string, number> = { UTC: 0, 'Asia/Shanghai': -480, 'America/New_York': 300 };

export function expectProcessZone(projectName: string): void {
  const zone = projectName.slice(projectName.indexOf(':') + 1);
  expect(OFFSET_AT_EPOCH).toHaveProperty([zone]);
  expect(process.env.TZ).toBe(zone);
  expect(new Date(0).getTimezoneOffset()).toBe(OFFSET_AT_EPOCH[zone]);
  const resolved = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  expect(zone === 'UTC' ? ['UTC', 'Etc/UTC'] : [zone]).toContain(resolved);
}

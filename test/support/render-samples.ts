// Prints every card for a set of sample events and display zones; run under different process TZ
// values by test/cards/tz-independence.tz.test.ts, which compares the outputs.
import type { ApprovalEvent } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { loadTemplates } from '../../src/cards/templates.js';

const templates = loadTemplates();
const events: ApprovalEvent[] = [
  { kind: 'remedy', instanceCode: 'R1', employeeUserId: 'u1', remedyAt: 1661333019000, reason: 'seed' },
  // 2026-03-08 07:30 UTC: 02:30 New York would not exist locally; 2026-11-01 05:30 UTC is in its repeated hour
  { kind: 'remedy', instanceCode: 'R2', employeeUserId: 'u1', remedyAt: Date.UTC(2026, 2, 8, 7, 30), reason: '' },
  { kind: 'remedy', instanceCode: 'R3', employeeUserId: 'u1', remedyAt: Date.UTC(2026, 10, 1, 5, 30), reason: '' },
  { kind: 'shift', instanceCode: 'S1', employeeOpenId: 'ou1', shiftTime: '2018-12-01 12:00:00', returnTime: '2018-12-02 12:00:00', reason: 'seed' },
  { kind: 'shift', instanceCode: 'S2', employeeOpenId: 'ou1', shiftTime: '2026-03-29 02:30:00', returnTime: '2026-10-25 02:30:00', reason: 'Berlin DST' },
  { kind: 'shift', instanceCode: 'S3', employeeOpenId: 'ou1', shiftTime: '2026-03-08 02:30:00', returnTime: null, reason: 'New York gap' },
  // Spans across daylight-saving changes, and a leave whose duration comes from its wall clocks
  { kind: 'leave', instanceCode: 'L1', employeeOpenId: 'ou1', leaveType: { zh_cn: '年假' }, start: '2026-03-07 09:00:00', end: '2026-03-09 18:00:00', intervalSeconds: null, unit: 'DAY', reason: '' },
  { kind: 'out', instanceCode: 'O1', employeeOpenId: 'ou1', outType: {}, start: '2026-10-25 01:30:00', end: '2026-10-25 03:30:00', intervalSeconds: null, unit: 'HOUR', reason: '' },
  { kind: 'overtime', instanceCode: 'W1', employeeOpenId: 'ou1', overtimeType: {}, ranges: [{ start: '2026-11-01 00:30:00', end: '2026-11-01 02:30:00' }, { start: '2026-11-02 19:00:00', end: '2026-11-02 21:00:00' }], intervalSeconds: 14400, reason: '' },
  { kind: 'trip', instanceCode: 'T1', employeeOpenId: 'ou1', legs: [{ start: '2026-03-28 20:00:00', end: '2026-03-29 03:00:00', departure: 'A', destination: 'B', transportation: '', tripType: '' }], intervalSeconds: null, peers: ['ou2'], reason: '' },
];
for (const zone of ['Asia/Shanghai', 'Asia/Tokyo', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'UTC']) {
  for (const event of events) {
    for (const audience of ['employee', 'team'] as const) {
      const ctx = { zone, teamZone: 'Asia/Shanghai', brand: 'feishu' as const };
      console.log(`${zone} ${event.instanceCode} ${audience} ${renderCard(templates, event, audience, ctx).content}`);
    }
  }
}

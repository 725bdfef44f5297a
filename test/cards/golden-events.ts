// The approvals the golden cards show (test/golden/): one of each kind, with hostile text in reasons and places.
import type { ApprovalEvent, ApprovalKindName } from '../../src/approvals/types.js';

export const GOLDEN_EVENTS: Record<ApprovalKindName, ApprovalEvent> = {
  remedy: { kind: 'remedy', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeUserId: 'g12xxxxg', remedyAt: Date.UTC(2026, 10, 21, 5, 3), reason: '忘记打卡 <at id=all></at> **urgent**' },
  shift: { kind: 'shift', instanceCode: '99E91302-17F7-4FE2-1234-F4E73A000000', approvalCode: 'A', employeeOpenId: 'ou_xxx', employeeUserId: 'xxx', shiftTime: '2026-12-01 09:00:00', returnTime: '2026-12-02 09:00:00', reason: 'family [matters](https://example.com)' },
  leave: {
    kind: 'leave', instanceCode: 'CEF48CEE-CEF4-45C9-1234-DCBF8BEC1234', approvalCode: 'L', employeeUserId: 'g6964xxx', employeeOpenId: 'ou_leave',
    leaveType: { zh_cn: '年假', en_us: 'Annual leave', ja_jp: '年次休暇' }, start: '2026-12-01 09:00:00', end: '2026-12-03 18:00:00',
    intervalSeconds: 259200, unit: 'DAY', reason: '回老家 <at id=all></at>',
  },
  // The type only in zh_cn, without a default: en_us and ja_jp show the neutral word.
  out: {
    kind: 'out', instanceCode: '59558CEE-CEF4-45C9-A2C3-DCBF8BEC7341', employeeOpenId: 'ou_out', outType: { zh_cn: '拜访客户' },
    start: '2026-12-01 14:00:00', end: '2026-12-01 17:30:00', intervalSeconds: 12600, unit: 'HOUR', reason: 'client **visit**',
  },
  overtime: {
    kind: 'overtime', instanceCode: '99E91302-17F7-4FE2-1234-F4E73A000001', employeeUserId: 'u_ot', employeeOpenId: 'ou_ot', overtimeType: {},
    ranges: [{ start: '2026-12-01 19:00:00', end: '2026-12-01 22:00:00' }, { start: '2026-12-03 19:00:00', end: '2026-12-03 21:30:00' }],
    intervalSeconds: 19800, reason: '版本发布',
  },
  trip: {
    kind: 'trip', instanceCode: 'FC2CB9B2-966F-4B65-AC7E-B21E04F497CB', employeeOpenId: 'ou_trip',
    legs: [
      { start: '2026-12-01 08:00:00', end: '2026-12-01 12:30:00', departure: '北京', destination: '上海', transportation: '高铁', tripType: '单程' },
      { start: '2026-12-03 16:00:00', end: '2026-12-03 20:30:00', departure: '上海', destination: '北京 [HQ](https://x.example)', transportation: '', tripType: '单程' },
    ],
    intervalSeconds: 216000, peers: ['ou_peer1', 'u_peer2'], reason: '客户现场',
  },
};

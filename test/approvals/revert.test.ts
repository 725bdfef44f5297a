// Reading revocations: which event revokes which kind, and what a revert body must hold.
import { describe, expect, it } from 'vitest';
import { readRevocation, revertEventTypeFor } from '../../src/approvals/revert.js';

describe('revocations', () => {
  it('name the revert event of each kind, and approval_instance for kinds that have none', () => {
    expect(revertEventTypeFor('leave')).toBe('leave_approval_revert');
    expect(revertEventTypeFor('out')).toBe('out_approval_revert');
    expect(revertEventTypeFor('overtime')).toBe('work_approval_revert');
    for (const kind of ['remedy', 'shift', 'trip'] as const) expect(revertEventTypeFor(kind)).toBe('approval_instance');
  });

  it('read the instance, the kind the event type names, and the operation time in seconds or milliseconds', () => {
    expect(readRevocation(' leave_approval_revert ', { instance_code: ' I-1 ', approval_code: 'A', operate_time: '1589527354' })).toEqual({
      ok: true,
      revocation: { instanceCode: 'I-1', kind: 'leave', approvalCode: 'A', revokedAt: 1589527354000 },
    });
    expect(readRevocation('approval_instance', { instance_code: 'I-2', status: 'REVERTED', revert_time: 1589527354123 })).toEqual({
      ok: true,
      revocation: { instanceCode: 'I-2', revokedAt: 1589527354123 },
    });
  });

  it('ignore approval_instance statuses other than REVERTED, and reject bodies without a usable instance code', () => {
    expect(readRevocation('approval_instance', { instance_code: 'I-2', status: 'APPROVED' })).toMatchObject({ ok: false, outcome: 'ignored' });
    expect(readRevocation('approval_instance', { instance_code: 'I-2' })).toMatchObject({ ok: false, outcome: 'rejected', reason: expect.stringContaining('status') });
    expect(readRevocation('out_approval_revert', { instance_code: 7 })).toMatchObject({ ok: false, outcome: 'rejected' });
    expect(readRevocation('out_approval_revert', { instance_code: 'I\n<at id=all>' })).toMatchObject({ ok: false, outcome: 'rejected' });
  });
});

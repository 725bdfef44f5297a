import { describe, expect, it } from 'vitest';
import type { RemedyApproved, ShiftApproved } from '../src/approvals/types.js';
import { parseRoutingFile, recipientsFor } from '../src/routing.js';

const remedy: RemedyApproved = { kind: 'remedy', instanceCode: 'I', employeeUserId: 'u_1', remedyAt: 1, reason: '' };
const shift: ShiftApproved = { kind: 'shift', instanceCode: 'J', approvalCode: 'APPROVAL-1', employeeOpenId: 'ou_1', shiftTime: '2026-01-01 09:00:00', returnTime: null, reason: '' };

describe('recipients', () => {
  it('sends to the employee and to every default chat, once each', () => {
    const routing = parseRoutingFile({}, ['oc_a', 'oc_b', 'oc_a']);
    expect(recipientsFor(remedy, routing)).toEqual([
      { audience: 'employee', receiveIdType: 'user_id', receiveId: 'u_1' },
      { audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_a' },
      { audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_b' },
    ]);
  });

  it('sends an event with a routed approval_code to the routed chats instead', () => {
    const routing = parseRoutingFile({ routes: { 'APPROVAL-1': ['oc_ops'] } }, ['oc_a']);
    expect(recipientsFor(shift, routing).map((r) => r.receiveId)).toEqual(['ou_1', 'oc_ops']);
    expect(recipientsFor(remedy, routing).map((r) => r.receiveId)).toEqual(['u_1', 'oc_a']); // no approval_code
  });

  it('leaves out a chat that switched the kind off, but still tells the employee', () => {
    const routing = parseRoutingFile({ chats: { oc_a: { shift: false } } }, ['oc_a', 'oc_b']);
    expect(recipientsFor(shift, routing).map((r) => r.receiveId)).toEqual(['ou_1', 'oc_b']);
    expect(recipientsFor(remedy, routing).map((r) => r.receiveId)).toEqual(['u_1', 'oc_a', 'oc_b']);
  });

  it('sends to the employee alone when no chat is configured', () => {
    expect(recipientsFor(remedy, parseRoutingFile({}, []))).toHaveLength(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { RemedyApproved, ShiftApproved } from '../../src/approvals/types.js';
import type { LookupFailure } from '../../src/feishu/directory.js';
import { parseRoutingFile, type TeamRoutingMode } from '../../src/routing.js';
import { decideTeams, describeDecision, factsNeeded, type EmployeeFacts } from '../../src/teams/team-decision.js';

const remedy: RemedyApproved = { kind: 'remedy', instanceCode: 'I', employeeUserId: 'u_1', remedyAt: 1, reason: '' };
const shift: ShiftApproved = { kind: 'shift', instanceCode: 'J', employeeOpenId: 'ou_1', shiftTime: '2026-01-01 09:00:00', returnTime: null, reason: '' };
const yes = { ok: true as const, value: true };
const no = { ok: true as const, value: false };
const missingScope: LookupFailure = { ok: false, kind: 'permission', code: 99991672, scope: 'im:chat:readonly', message: 'GET chat members: code 99991672' };
const notInChat: LookupFailure = { ok: false, kind: 'not-found', code: 232011, message: 'bot is not in the chat' };
const outage: LookupFailure = { ok: false, kind: 'retry', message: 'HTTP 503', retryAfterMs: 2000 };

const routing = (json: Record<string, unknown>, chats: string[], mode: TeamRoutingMode) => parseRoutingFile(json, chats, mode);
const facts = (members: Record<string, EmployeeFacts['members'] extends ReadonlyMap<string, infer F> ? F : never>, more: Partial<EmployeeFacts> = {}): EmployeeFacts => ({
  members: new Map(Object.entries(members)),
  ...more,
});
const sent = (d: ReturnType<typeof decideTeams>) => (d.outcome === 'decided' ? d.sends.map((s) => s.chatId) : d.outcome);

describe('team chats by membership (TEAM_ROUTING=members)', () => {
  const r = routing({}, ['oc_sales', 'oc_ops', 'oc_hr'], 'members');

  it('sends to the chats the employee is in, and says why for every chat', () => {
    const decision = decideTeams(remedy, r, facts({ oc_sales: yes, oc_ops: no, oc_hr: yes }));
    expect(sent(decision)).toEqual(['oc_sales', 'oc_hr']);
    expect(decision.outcome === 'decided' && describeDecision(decision.verdicts)).toBe(
      'oc_sales: sent (member of the chat); oc_hr: sent (member of the chat); oc_ops: not sent (not a member of the chat)',
    );
  });

  it('sends to no chat when the employee is in none (the employee still gets their card elsewhere)', () => {
    const decision = decideTeams(remedy, r, facts({ oc_sales: no, oc_ops: no, oc_hr: no }));
    expect(decision).toMatchObject({ outcome: 'decided', sends: [], blocked: [] });
  });

  it('waits when a membership cannot be known for now: nothing is decided, nothing half-sent', () => {
    expect(decideTeams(remedy, r, facts({ oc_sales: yes, oc_ops: outage, oc_hr: yes }))).toEqual({ outcome: 'retry', failure: outage });
  });

  it('skips a chat the bot is not in, and still serves the others', () => {
    const decision = decideTeams(remedy, r, facts({ oc_sales: yes, oc_ops: notInChat, oc_hr: no }));
    expect(sent(decision)).toEqual(['oc_sales']);
    expect(decision.outcome === 'decided' && decision.verdicts.find((v) => v.chatId === 'oc_ops')).toEqual({ chatId: 'oc_ops', send: false, why: 'bot is not in the chat' });
  });

  it('never sends to a chat whose members it may not read, and names the missing scope', () => {
    const decision = decideTeams(remedy, r, facts({ oc_sales: missingScope, oc_ops: missingScope, oc_hr: yes }));
    expect(sent(decision)).toEqual(['oc_hr']);
    expect(decision.outcome === 'decided' && decision.blocked.map((b) => b.scope)).toEqual(['im:chat:readonly', 'im:chat:readonly']);
    expect(decision.outcome === 'decided' && describeDecision(decision.verdicts)).toContain('oc_sales: not sent (unknown: missing scope im:chat:readonly');
  });

  it('asks only for the memberships of the listed chats', () => {
    expect(factsNeeded(r)).toEqual({ members: ['oc_sales', 'oc_ops', 'oc_hr'], departments: false, attendanceGroup: false });
    expect(factsNeeded(routing({}, ['oc_sales', 'oc_ops'], 'all'))).toEqual({ members: [], departments: false, attendanceGroup: false });
  });
});

describe('team chats by department and attendance group (CONFIG_FILE)', () => {
  const r = routing(
    { departments: { 'od-sales1': ['oc_sales'], 'od-company1': ['oc_all_managers'] }, attendance_groups: { '42': ['oc_night'] } },
    [],
    'all',
  );

  it('matches a department above the employee\'s own, and the attendance group, as a union', () => {
    const decision = decideTeams(remedy, r, facts({}, { departments: { ok: true, value: new Set(['od-sales-east', 'od-sales1', 'od-company1']) }, attendanceGroup: { ok: true, value: '42' } }));
    expect(decision.outcome === 'decided' && decision.sends).toEqual([
      { chatId: 'oc_sales', why: 'departments["od-sales1"]' },
      { chatId: 'oc_all_managers', why: 'departments["od-company1"]' },
      { chatId: 'oc_night', why: 'attendance_groups["42"]' },
    ]);
  });

  it('sends nowhere for an employee outside every mapped department and group', () => {
    const decision = decideTeams(remedy, r, facts({}, { departments: { ok: true, value: new Set(['od-other']) }, attendanceGroup: { ok: true, value: null } }));
    expect(sent(decision)).toEqual([]);
    expect(decision.outcome === 'decided' && describeDecision(decision.verdicts)).toBe(
      'oc_sales: not sent (not in a mapped department); oc_all_managers: not sent (not in a mapped department); oc_night: not sent (in no attendance group that day)',
    );
  });

  it('still sends by attendance group when departments may not be read', () => {
    const contactScope: LookupFailure = { ...missingScope, scope: 'contact:user.department:readonly' };
    const decision = decideTeams(remedy, r, facts({}, { departments: contactScope, attendanceGroup: { ok: true, value: '42' } }));
    expect(sent(decision)).toEqual(['oc_night']);
    expect(decision.outcome === 'decided' && decision.blocked).toEqual([contactScope]);
  });

  it('adds department chats to the member chats under TEAM_ROUTING=members', () => {
    const both = routing({ departments: { 'od-sales1': ['oc_sales_managers'] } }, ['oc_sales', 'oc_ops'], 'members');
    const decision = decideTeams(remedy, both, facts({ oc_sales: yes, oc_ops: no }, { departments: { ok: true, value: new Set(['od-sales1']) } }));
    expect(sent(decision)).toEqual(['oc_sales', 'oc_sales_managers']);
  });

  it('keeps a chat that switched the kind off out, saying so', () => {
    const off = routing({ departments: { 'od-sales1': ['oc_sales'] }, chats: { oc_sales: { shift: false } } }, [], 'all');
    const decision = decideTeams(shift, off, facts({}, { departments: { ok: true, value: new Set(['od-sales1']) } }));
    expect(sent(decision)).toEqual([]);
    expect(decision.outcome === 'decided' && decision.verdicts).toEqual([{ chatId: 'oc_sales', send: false, why: 'shift cards switched off for the chat' }]);
  });
});

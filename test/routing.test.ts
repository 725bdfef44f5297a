import { describe, expect, it } from 'vitest';
import type { ApprovalEvent, LeaveApproved, RemedyApproved, ShiftApproved } from '../src/approvals/types.js';
import { parseConfigFile } from '../src/config-file.js';
import { loadConfig } from '../src/config.js';
import { parseRoutingFile, recipientsFor, teamRoutingMode, type TeamRoutingMode } from '../src/routing.js';

const remedy: RemedyApproved = { kind: 'remedy', instanceCode: 'I', employeeUserId: 'u_1', remedyAt: 1, reason: '' };
const shift: ShiftApproved = { kind: 'shift', instanceCode: 'J', approvalCode: 'APPROVAL-1', employeeOpenId: 'ou_1', shiftTime: '2026-01-01 09:00:00', returnTime: null, reason: '' };
const routingOf = (json: Record<string, unknown>, chats: string[], mode: TeamRoutingMode = 'all') => parseRoutingFile(json, chats, mode);
const ids = (event: ApprovalEvent, routing: ReturnType<typeof routingOf>) => recipientsFor(event, routing).recipients.map((r) => r.receiveId);

describe('recipients known when the event arrives', () => {
  it('TEAM_ROUTING=all: the employee and every default chat, once each, each with its reason', () => {
    const routing = routingOf({}, ['oc_a', 'oc_b', 'oc_a']);
    const { recipients, teams } = recipientsFor(remedy, routing);
    expect(recipients).toEqual([
      { audience: 'employee', receiveIdType: 'user_id', receiveId: 'u_1' },
      { audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_a' },
      { audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_b' },
    ]);
    expect(teams).toEqual([
      { chatId: 'oc_a', why: 'TEAM_ROUTING=all' },
      { chatId: 'oc_b', why: 'TEAM_ROUTING=all' },
    ]);
  });

  it('sends an event with a routed approval_code to the routed chats instead, whatever the mode', () => {
    for (const mode of ['all', 'members'] as const) {
      const routing = routingOf({ routes: { 'APPROVAL-1': ['oc_ops'] } }, ['oc_a', 'oc_b'], mode);
      expect(ids(shift, routing)).toEqual(['ou_1', 'oc_ops']);
      expect(recipientsFor(shift, routing).teams).toEqual([{ chatId: 'oc_ops', why: 'routes["APPROVAL-1"]' }]);
    }
    expect(ids(remedy, routingOf({ routes: { 'APPROVAL-1': ['oc_ops'] } }, ['oc_a']))).toEqual(['u_1', 'oc_a']); // no approval_code
  });

  it('leaves out a chat that switched the kind off, but still tells the employee', () => {
    const routing = routingOf({ chats: { oc_a: { shift: false } } }, ['oc_a', 'oc_b']);
    expect(ids(shift, routing)).toEqual(['ou_1', 'oc_b']);
    expect(ids(remedy, routing)).toEqual(['u_1', 'oc_a', 'oc_b']);
  });

  it('switches each attendance kind off on its own', () => {
    const leave: LeaveApproved = {
      kind: 'leave', instanceCode: 'L', approvalCode: 'APPROVAL-2', employeeOpenId: 'ou_2', leaveType: {},
      start: '2026-12-01 09:00:00', end: '2026-12-01 18:00:00', intervalSeconds: null, unit: null, reason: '',
    };
    const routing = routingOf({ chats: { oc_a: { leave: false }, oc_b: { trip: false } } }, ['oc_a', 'oc_b']);
    expect(ids(leave, routing)).toEqual(['ou_2', 'oc_b']);
    expect(ids(shift, routing)).toEqual(['ou_1', 'oc_a', 'oc_b']);
  });

  it('sends to the employee alone when no chat is configured', () => {
    expect(recipientsFor(remedy, routingOf({}, [])).recipients).toHaveLength(1);
  });
});

describe('recipients that depend on who the employee is', () => {
  it('leaves team chats to a lookup under TEAM_ROUTING=members: only the employee is known at once', () => {
    const { recipients, teams } = recipientsFor(remedy, routingOf({}, ['oc_a', 'oc_b'], 'members'));
    expect(recipients.map((r) => r.receiveId)).toEqual(['u_1']);
    expect(teams).toBe('lookup');
  });

  it('leaves them to a lookup when CONFIG_FILE maps departments or attendance groups, in either mode', () => {
    expect(recipientsFor(remedy, routingOf({ departments: { 'od-abc123': ['oc_x'] } }, ['oc_a'])).teams).toBe('lookup');
    expect(recipientsFor(remedy, routingOf({ attendance_groups: { '6919358128597097404': ['oc_x'] } }, [])).teams).toBe('lookup');
  });

  it('needs no lookup under members mode with no chat to check', () => {
    expect(recipientsFor(remedy, routingOf({}, [], 'members')).teams).toEqual([]);
  });
});

describe('TEAM_ROUTING', () => {
  const env = (more: Record<string, string>) => ({ FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 's', ...more });

  it('defaults to all for one chat and to members for more than one', () => {
    expect(teamRoutingMode(undefined, ['oc_a'])).toBe('all');
    expect(teamRoutingMode(undefined, ['oc_a', 'oc_b'])).toBe('members');
    expect(loadConfig(env({ NOTIFY_CHAT_IDS: 'oc_a,oc_b' })).routing.mode).toBe('members');
    expect(loadConfig(env({ NOTIFY_CHAT_IDS: 'oc_a' })).routing.mode).toBe('all');
  });

  it('takes an explicit choice either way', () => {
    expect(loadConfig(env({ NOTIFY_CHAT_IDS: 'oc_a,oc_b', TEAM_ROUTING: 'all' })).routing.mode).toBe('all');
    expect(loadConfig(env({ NOTIFY_CHAT_IDS: 'oc_a', TEAM_ROUTING: 'Members' })).routing.mode).toBe('members');
  });

  it('refuses anything else, naming the setting', () => {
    expect(() => loadConfig(env({ TEAM_ROUTING: 'department' }))).toThrow('Invalid setting TEAM_ROUTING: expected all or members, got "department"');
  });

  it('reads the cache lifetimes, in minutes and hours', () => {
    expect(loadConfig(env({})).directoryTtl).toEqual({ membersMs: 10 * 60_000, orgMs: 24 * 3600_000 });
    expect(loadConfig(env({ CHAT_MEMBERS_TTL_MINUTES: '2', DIRECTORY_TTL_HOURS: '1' })).directoryTtl).toEqual({ membersMs: 120_000, orgMs: 3600_000 });
    expect(() => loadConfig(env({ CHAT_MEMBERS_TTL_MINUTES: '0' }))).toThrow('CHAT_MEMBERS_TTL_MINUTES');
  });
});

describe('departments and attendance_groups in CONFIG_FILE', () => {
  it('maps ids to chats', () => {
    const file = parseConfigFile(
      { departments: { 'od-4e6ac4d14bcd5071a37a39de902c7141': ['oc_sales'] }, attendance_groups: { '6919358128597097404': ['oc_night', 'oc_ops'] } },
      [],
    );
    expect([...file.routing.departments]).toEqual([['od-4e6ac4d14bcd5071a37a39de902c7141', ['oc_sales']]]);
    expect([...file.routing.attendanceGroups]).toEqual([['6919358128597097404', ['oc_night', 'oc_ops']]]);
  });

  it.each([
    [{ departments: ['od-abcdef'] }, 'departments must be an object mapping'],
    [{ departments: { 'sales-team': ['oc_a'] } }, 'departments key "sales-team" is not an open_department_id like "od-'],
    [{ departments: { 'od-abcdef': [] } }, 'departments["od-abcdef"] must be a non-empty array of chat ids'],
    [{ departments: { 'od-abcdef': 'oc_a' } }, 'departments["od-abcdef"] must be a non-empty array of chat ids'],
    [{ departments: { 'od-abcdef': ['oc_a', 'chat-b'] } }, 'departments["od-abcdef"][1] must be a chat id like "oc_…", got "chat-b"'],
    [{ attendance_groups: { 'night shift': ['oc_a'] } }, 'attendance_groups key "night shift" is not an attendance group id like "6919358128597097404"'],
    [{ attendance_groups: { '123': [42] } }, 'attendance_groups["123"][0] must be a chat id like "oc_…", got 42'],
  ])('stops on %j with the JSON path and what was expected', (json, message) => {
    expect(() => parseConfigFile(json, [])).toThrow(message);
  });
});

// Who gets a card for an event: the employee, and the team chats. Team chats are known at once
// when CONFIG_FILE routes the event's approval_code, or when every chat gets every card
// (TEAM_ROUTING=all, no department or attendance-group map); otherwise they depend on who the
// employee is, which the delivery side looks up (src/teams/) — never the acknowledgement.
import { KIND_NAMES, kindNamed } from './approvals/index.js';
import type { ApprovalEvent, ApprovalKindName, Recipient } from './approvals/types.js';
import { isObject } from './ingest/envelope.js';

/** all: every NOTIFY_CHAT_IDS chat; members: those the employee is a member of. */
export type TeamRoutingMode = 'all' | 'members';
export const TEAM_ROUTING_MODES: readonly TeamRoutingMode[] = ['all', 'members'];

export interface Routing {
  defaultChatIds: readonly string[];
  mode: TeamRoutingMode;
  /** open_department_id → chats, for the department and every department under it. */
  departments: ReadonlyMap<string, readonly string[]>;
  /** attendance group id → chats. */
  attendanceGroups: ReadonlyMap<string, readonly string[]>;
  /** approval_code → chat ids, replacing the default chats for events of that approval. */
  routes: ReadonlyMap<string, readonly string[]>;
  /** chat id → kinds switched off for it. */
  kindsOff: ReadonlyMap<string, ReadonlySet<ApprovalKindName>>;
}

export const CHAT_ID = /^oc_[A-Za-z0-9_-]+$/;

/** A team chat chosen for an event, and why: recorded with its delivery. */
export interface TeamChoice {
  chatId: string;
  why: string;
}

/**
 * The team chats decided without asking anyone, or `lookup` when they depend on who the employee
 * is (chat membership, department, attendance group).
 */
export function teamsAtIngest(event: ApprovalEvent, routing: Routing): TeamChoice[] | 'lookup' {
  const routed = event.approvalCode !== undefined ? routing.routes.get(event.approvalCode) : undefined;
  if (routed) return switchedOn(event, routing, routed.map((chatId) => ({ chatId, why: `routes["${event.approvalCode}"]` })));
  if (needsLookups(routing)) return 'lookup';
  return switchedOn(event, routing, routing.defaultChatIds.map((chatId) => ({ chatId, why: 'TEAM_ROUTING=all' })));
}

/** Whether chats depend on the employee (else every event goes to the same chats). */
export function needsLookups(routing: Routing): boolean {
  return (routing.mode === 'members' && routing.defaultChatIds.length > 0) || routing.departments.size > 0 || routing.attendanceGroups.size > 0;
}

/** Drops repeated chats (the first reason stays) and the chats that switched the event's kind off. */
export function switchedOn(event: ApprovalEvent, routing: Routing, choices: readonly TeamChoice[]): TeamChoice[] {
  const seen = new Set<string>();
  return choices.filter((c) => {
    if (seen.has(c.chatId) || routing.kindsOff.get(c.chatId)?.has(event.kind)) return false;
    seen.add(c.chatId);
    return true;
  });
}

/** The employee's delivery, and the team deliveries when they are known at once. */
export function recipientsFor(event: ApprovalEvent, routing: Routing): { recipients: Recipient[]; teams: TeamChoice[] | 'lookup' } {
  const teams = teamsAtIngest(event, routing);
  const recipients = [kindNamed(event.kind).employee(event)];
  if (teams !== 'lookup') recipients.push(...teams.map((t): Recipient => ({ audience: 'team', receiveIdType: 'chat_id', receiveId: t.chatId })));
  return { recipients, teams };
}

const OPEN_DEPARTMENT_ID = /^od-[0-9A-Za-z]{6,}$/;
const ATTENDANCE_GROUP_ID = /^[0-9]{1,30}$/;

function chatMap(
  json: unknown,
  key: string,
  idPattern: RegExp,
  idExample: string,
): Map<string, string[]> {
  const map = new Map<string, string[]>();
  if (json === undefined) return map;
  if (!isObject(json)) throw new Error(`${key} must be an object mapping ${idExample} ids to arrays of chat ids`);
  for (const [id, chats] of Object.entries(json)) {
    if (!idPattern.test(id)) throw new Error(`${key} key "${id}" is not ${idExample}`);
    if (!Array.isArray(chats) || chats.length === 0) throw new Error(`${key}["${id}"] must be a non-empty array of chat ids like "oc_…"`);
    chats.forEach((chat, i) => {
      if (typeof chat !== 'string' || !CHAT_ID.test(chat)) {
        throw new Error(`${key}["${id}"][${i}] must be a chat id like "oc_…", got ${JSON.stringify(chat)}`);
      }
    });
    map.set(id, chats as string[]);
  }
  return map;
}

/** TEAM_ROUTING, defaulting to members when more than one team chat is listed. */
export function teamRoutingMode(setting: string | undefined, defaultChatIds: readonly string[]): TeamRoutingMode {
  if (setting === undefined) return defaultChatIds.length > 1 ? 'members' : 'all';
  return setting as TeamRoutingMode;
}

/** Parses the routing part (`routes`, `chats`) of CONFIG_FILE; throws with the JSON path of the first problem. */
export function parseRoutingFile(json: Record<string, unknown>, defaultChatIds: readonly string[], mode: TeamRoutingMode): Routing {
  const routes = new Map<string, string[]>();
  if (json.routes !== undefined) {
    if (!isObject(json.routes)) throw new Error('routes must map approval codes to arrays of chat ids');
    for (const [code, chats] of Object.entries(json.routes)) {
      if (!Array.isArray(chats) || !chats.every((c) => typeof c === 'string' && CHAT_ID.test(c))) {
        throw new Error(`routes["${code}"] must be an array of chat ids like "oc_…"`);
      }
      routes.set(code, chats as string[]);
    }
  }
  const kindsOff = new Map<string, Set<ApprovalKindName>>();
  if (json.chats !== undefined) {
    if (!isObject(json.chats)) throw new Error(`chats must map chat ids to {${KIND_NAMES.map((k) => `"${k}": bool`).join(', ')}}`);
    for (const [chat, switches] of Object.entries(json.chats)) {
      if (!CHAT_ID.test(chat)) throw new Error(`chats key "${chat}" is not a chat id like "oc_…"`);
      if (!isObject(switches)) throw new Error(`chats["${chat}"] must be an object like {"shift": false}`);
      const off = new Set<ApprovalKindName>();
      for (const [kind, on] of Object.entries(switches)) {
        if (!KIND_NAMES.includes(kind as ApprovalKindName) || typeof on !== 'boolean') {
          throw new Error(`chats["${chat}"].${kind} must be a kind (${KIND_NAMES.join(', ')}) set to true or false`);
        }
        if (!on) off.add(kind as ApprovalKindName);
      }
      kindsOff.set(chat, off);
    }
  }
  const departments = chatMap(json.departments, 'departments', OPEN_DEPARTMENT_ID, 'an open_department_id like "od-4e6ac4d14bcd5071a37a39de902c7141"');
  const attendanceGroups = chatMap(json.attendance_groups, 'attendance_groups', ATTENDANCE_GROUP_ID, 'an attendance group id like "6919358128597097404"');
  return { defaultChatIds, mode, departments, attendanceGroups, routes, kindsOff };
}

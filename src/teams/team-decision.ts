// Which team chats get an event's card, from what is known about the employee: the chats they are
// a member of (TEAM_ROUTING=members), their departments and the departments above them, and their
// attendance group (CONFIG_FILE maps). Pure: the facts are looked up elsewhere (team-router.ts).
import type { ApprovalEvent } from '../approvals/types.js';
import type { LookupFailure } from '../feishu/directory.js';
import { switchedOn, type Routing, type TeamChoice } from '../routing.js';

export type Fact<T> = { ok: true; value: T } | LookupFailure;

export interface EmployeeFacts {
  /** NOTIFY_CHAT_IDS chat → whether the employee is in it (members mode only). */
  members: ReadonlyMap<string, Fact<boolean>>;
  /** The employee's departments and every department above them (when departments are mapped). */
  departments?: Fact<ReadonlySet<string>>;
  /** The employee's attendance group that day, null for none (when groups are mapped). */
  attendanceGroup?: Fact<string | null>;
}

/** Every chat considered, and why it gets the card or not. */
export interface ChatVerdict {
  chatId: string;
  send: boolean;
  why: string;
}

export type TeamDecision =
  /** A fact could not be looked up for now (network, 5xx, rate limit): decide later. */
  | { outcome: 'retry'; failure: LookupFailure }
  | {
      outcome: 'decided';
      sends: TeamChoice[];
      verdicts: ChatVerdict[];
      /** Facts refused for lack of a scope: chats that depend on them did not get the card. */
      blocked: LookupFailure[];
    };

/** The facts a decision needs, so that nothing else is looked up. */
export function factsNeeded(routing: Routing): { members: readonly string[]; departments: boolean; attendanceGroup: boolean } {
  return {
    members: routing.mode === 'members' ? routing.defaultChatIds : [],
    departments: routing.departments.size > 0,
    attendanceGroup: routing.attendanceGroups.size > 0,
  };
}

const failureText = (f: LookupFailure) => (f.kind === 'permission' ? `unknown: missing scope ${f.scope ?? '?'} (${f.message})` : f.message);

export function decideTeams(event: ApprovalEvent, routing: Routing, facts: EmployeeFacts): TeamDecision {
  const choices: TeamChoice[] = [];
  const refusals = new Map<string, string>();
  const blocked: LookupFailure[] = [];
  const refuse = (chatId: string, why: string) => {
    if (!refusals.has(chatId)) refusals.set(chatId, why);
  };
  const unknown = (fact: LookupFailure, chats: readonly string[]): TeamDecision | undefined => {
    if (fact.kind === 'retry') return { outcome: 'retry', failure: fact };
    if (fact.kind === 'permission') blocked.push(fact);
    for (const chat of chats) refuse(chat, failureText(fact));
    return undefined;
  };

  if (routing.mode === 'all') {
    choices.push(...routing.defaultChatIds.map((chatId) => ({ chatId, why: 'TEAM_ROUTING=all' })));
  } else {
    for (const chatId of routing.defaultChatIds) {
      const fact = facts.members.get(chatId);
      if (!fact) throw new Error(`no membership fact for ${chatId}`);
      if (!fact.ok) {
        const later = unknown(fact, [chatId]);
        if (later) return later;
      } else if (fact.value) choices.push({ chatId, why: 'member of the chat' });
      else refuse(chatId, 'not a member of the chat');
    }
  }

  if (routing.departments.size > 0) {
    const fact = facts.departments;
    if (!fact) throw new Error('no department fact');
    const mapped = [...routing.departments.values()].flat();
    if (!fact.ok) {
      const later = unknown(fact, mapped);
      if (later) return later;
    } else {
      for (const [department, chats] of routing.departments) {
        if (fact.value.has(department)) choices.push(...chats.map((chatId) => ({ chatId, why: `departments["${department}"]` })));
        else chats.forEach((chatId) => refuse(chatId, 'not in a mapped department'));
      }
    }
  }

  if (routing.attendanceGroups.size > 0) {
    const fact = facts.attendanceGroup;
    if (!fact) throw new Error('no attendance group fact');
    const mapped = [...routing.attendanceGroups.values()].flat();
    if (!fact.ok) {
      const later = unknown(fact, mapped);
      if (later) return later;
    } else {
      for (const [group, chats] of routing.attendanceGroups) {
        if (fact.value === group) choices.push(...chats.map((chatId) => ({ chatId, why: `attendance_groups["${group}"]` })));
        else chats.forEach((chatId) => refuse(chatId, fact.value === null ? 'in no attendance group that day' : 'not in a mapped attendance group'));
      }
    }
  }

  const sends = switchedOn(event, routing, choices);
  const sent = new Set(sends.map((s) => s.chatId));
  const verdicts: ChatVerdict[] = sends.map((s) => ({ chatId: s.chatId, send: true, why: s.why }));
  for (const choice of choices) {
    if (!sent.has(choice.chatId) && !verdicts.some((v) => v.chatId === choice.chatId)) {
      verdicts.push({ chatId: choice.chatId, send: false, why: `${event.kind} cards switched off for the chat` });
    }
  }
  for (const [chatId, why] of refusals) {
    if (!verdicts.some((v) => v.chatId === chatId)) verdicts.push({ chatId, send: false, why });
  }
  return { outcome: 'decided', sends, verdicts, blocked };
}

/** The decision as one line, for the route row and `cli deliveries`. */
export function describeDecision(verdicts: readonly ChatVerdict[]): string {
  if (verdicts.length === 0) return 'no team chat configured';
  return verdicts.map((v) => `${v.chatId}: ${v.send ? 'sent' : 'not sent'} (${v.why})`).join('; ');
}

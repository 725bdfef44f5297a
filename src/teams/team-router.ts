// Decides an event's team chats by looking the employee up (through the cache), and names the
// employee for team cards. Configuration problems — a missing scope, a chat the bot is not in —
// are warned about once each, not once per card; an employee who matches no chat once a day.
import { kindNamed } from '../approvals/index.js';
import type { ApprovalEvent } from '../approvals/types.js';
import { approvalDay } from '../delivery/card-content.js';
import type { Lookup, LookupFailure } from '../feishu/directory.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { Routing } from '../routing.js';
import type { DirectoryCache, Employee } from './directory-cache.js';
import { decideTeams, factsNeeded, type EmployeeFacts, type Fact, type TeamDecision } from './team-decision.js';

export interface TeamRouterDeps {
  routing: Routing;
  directory: DirectoryCache;
  /** TIMEZONE: the day an approval is about, for its attendance group. */
  teamZone: string;
  log: Logger;
  metrics?: Pick<Metrics, 'teamRouting'>;
  /** How long a team card waits for the employee's name before it goes without (2 s). */
  nameTimeoutMs?: number;
}

/** What each scope is for, in the warnings. */
const FALLBACKS: Record<string, string> = {
  members: 'team cards go only to the chats the employee is known to be in (none for chats whose members cannot be read)',
  contact: 'team cards name no one in the preview (the person element still shows who it is)',
};

export function employeeOf(event: ApprovalEvent): Employee {
  return kindNamed(event.kind).identity(event);
}

export function teamRouter(deps: TeamRouterDeps) {
  const { routing, directory, log } = deps;
  const needed = factsNeeded(routing);
  const warned = new Set<string>();
  const warnOnce = (key: string, message: string, fields: Record<string, unknown>) => {
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(message, fields);
  };
  const unmatchedToday = new Set<string>();

  async function departments(employee: Employee): Promise<Fact<ReadonlySet<string>>> {
    const user = await directory.user(employee);
    if (!user.ok) return user;
    const all = new Set<string>();
    for (const found of await Promise.all(user.value.departmentIds.map((d) => directory.departmentWithAncestors(d)))) {
      if (!found.ok) return found;
      found.value.forEach((d) => all.add(d));
    }
    return { ok: true, value: all };
  }

  async function attendanceGroup(event: ApprovalEvent, employee: Employee): Promise<Fact<string | null>> {
    let userId = employee.userId;
    if (userId === undefined) {
      // A 换班 may name the employee by open_id only; attendance knows user_ids.
      const user = await directory.user(employee);
      if (!user.ok) return user;
      userId = user.value.userId;
      if (userId === undefined) return { ok: true, value: null };
    }
    return directory.attendanceGroup(userId, Number(approvalDay(event, deps.teamZone).replaceAll('-', '')));
  }

  async function factsFor(event: ApprovalEvent): Promise<EmployeeFacts> {
    const employee = employeeOf(event);
    const [members, departmentFact, groupFact] = await Promise.all([
      Promise.all(needed.members.map(async (chatId) => [chatId, await directory.isMember(chatId, employee)] as const)),
      needed.departments ? departments(employee) : undefined,
      needed.attendanceGroup ? attendanceGroup(event, employee) : undefined,
    ]);
    return { members: new Map(members), departments: departmentFact, attendanceGroup: groupFact };
  }

  function report(event: ApprovalEvent, decision: TeamDecision, facts: EmployeeFacts): void {
    if (decision.outcome !== 'decided') return;
    for (const failure of decision.blocked) {
      warnOnce(`scope:${failure.scope}`, `team routing: Feishu refuses a lookup for lack of scope ${failure.scope ?? '(unnamed)'}; add it to the app`, {
        scope: failure.scope,
        reason: failure.message,
        fallback: FALLBACKS.members,
      });
    }
    for (const [chatId, fact] of facts.members) {
      if (!fact.ok && fact.kind === 'not-found') {
        warnOnce(`chat:${chatId}`, 'team routing: the bot cannot read the members of a NOTIFY_CHAT_IDS chat (not in it?); that chat gets no cards', {
          chatId,
          reason: fact.message,
        });
      }
    }
    const employee = employeeOf(event);
    const who = employee.userId ?? employee.openId ?? '?';
    if (decision.blocked.length > 0) deps.metrics?.teamRouting('blocked');
    else if (decision.sends.length === 0) {
      deps.metrics?.teamRouting('unmatched');
      const key = `${who}|${new Date().toISOString().slice(0, 10)}`;
      if (!unmatchedToday.has(key)) {
        if (unmatchedToday.size > 10_000) unmatchedToday.clear();
        unmatchedToday.add(key);
        log.info('employee matches no team chat: the card goes to them only', { employee: who, instanceCode: event.instanceCode });
      }
    } else deps.metrics?.teamRouting('routed');
  }

  return {
    async route(event: ApprovalEvent): Promise<TeamDecision> {
      const facts = await factsFor(event);
      const decision = decideTeams(event, routing, facts);
      report(event, decision, facts);
      return decision;
    },

    /** The employee's name for team cards; undefined when it cannot be had (the card then names no one in its preview). */
    async nameFor(employee: Employee): Promise<string | undefined> {
      // A name is a nicety: a slow contact API must not hold a team card back for long.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), deps.nameTimeoutMs ?? 2000);
      });
      const user: Lookup<{ name: string }> | undefined = await Promise.race([directory.user(employee), late]);
      clearTimeout(timer);
      if (user === undefined) return undefined;
      if (user.ok) return user.value.name.trim() || undefined;
      if (user.kind === 'permission') {
        warnOnce(`scope:${user.scope}`, `names: Feishu refuses the contact lookup for lack of scope ${user.scope ?? '(unnamed)'}`, {
          scope: user.scope,
          reason: user.message,
          fallback: FALLBACKS.contact,
        });
      }
      return undefined;
    },
  };
}

export type TeamRouter = ReturnType<typeof teamRouter>;
export type { LookupFailure };

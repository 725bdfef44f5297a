// At start, the ids routing depends on are checked once against Feishu: a department or attendance
// group in CONFIG_FILE that does not exist, or a team chat whose members the bot cannot read, is a
// warning naming it — not a silent "never matches" discovered weeks later.
import type { DirectoryApi, LookupFailure } from '../feishu/directory.js';
import type { Routing } from '../routing.js';
import type { DirectoryCache } from './directory-cache.js';

export interface RoutingProblem {
  setting: string;
  id: string;
  problem: string;
}

function problemOf(failure: LookupFailure): string | undefined {
  if (failure.kind === 'retry') return undefined; // Feishu unreachable now: nothing known about the id
  if (failure.kind === 'permission') return `cannot be checked: missing scope ${failure.scope ?? '?'} (${failure.message})`;
  return `not found (${failure.message})`;
}

export async function checkRoutingIds(
  routing: Routing,
  api: Pick<DirectoryApi, 'department' | 'attendanceGroupInfo'>,
  directory: Pick<DirectoryCache, 'members'>,
): Promise<RoutingProblem[]> {
  const checks: Array<Promise<RoutingProblem | undefined>> = [];
  for (const id of routing.departments.keys()) {
    checks.push(api.department(id).then((r) => (r.ok ? undefined : { setting: 'CONFIG_FILE departments', id, problem: problemOf(r)! })));
  }
  for (const id of routing.attendanceGroups.keys()) {
    checks.push(api.attendanceGroupInfo(id).then((r) => (r.ok ? undefined : { setting: 'CONFIG_FILE attendance_groups', id, problem: problemOf(r)! })));
  }
  if (routing.mode === 'members') {
    // Also fills the member cache for the first approvals.
    for (const id of routing.defaultChatIds) {
      checks.push(
        directory.members(id, 'user_id').then((r) =>
          r.ok ? undefined : { setting: 'NOTIFY_CHAT_IDS (TEAM_ROUTING=members)', id, problem: problemOf(r)! },
        ),
      );
    }
  }
  return (await Promise.all(checks)).filter((p): p is RoutingProblem => p !== undefined && p.problem !== undefined);
}

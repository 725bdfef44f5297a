// Looked-up facts about people and chats, kept for a while: chat members for CHAT_MEMBERS_TTL_MINUTES
// (membership events drop a chat's entry sooner), names, departments and attendance groups for
// DIRECTORY_TTL_HOURS. A burst of approvals asks each thing once (concurrent askers share the
// call). Answers that will not change by asking again soon (not found, a missing scope) are kept
// too, so a misconfiguration costs one call per TTL, not one per card; failures worth retrying
// (network, 5xx, rate limit) are never kept.
import type { DirectoryApi, DirectoryUser, Lookup } from '../feishu/directory.js';

export interface DirectoryCacheOptions {
  api: DirectoryApi;
  membersTtlMs: number;
  orgTtlMs: number;
  now?: () => number;
  /** Each call's API and result, for /metrics. */
  onLookup?: (api: string, result: 'ok' | 'permission' | 'not-found' | 'retry') => void;
}

export interface Employee {
  userId?: string;
  openId?: string;
}

interface Entry {
  value: Lookup<unknown>;
  expiresAt: number;
}

export function directoryCache(options: DirectoryCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<Lookup<unknown>>>();
  /** Bumped when a key is invalidated, so that an answer already on its way is not kept. */
  const generations = new Map<string, number>();

  function cached<T>(key: string, api: string, ttlMs: number, fetch: () => Promise<Lookup<T>>): Promise<Lookup<T>> {
    const entry = entries.get(key);
    if (entry && entry.expiresAt > now()) return Promise.resolve(entry.value as Lookup<T>);
    let pending = inFlight.get(key);
    if (!pending) {
      const generation = generations.get(key) ?? 0;
      pending = fetch()
        .catch((error: unknown): Lookup<T> => ({ ok: false, kind: 'retry', message: `${api}: ${(error as Error).message}` }))
        .then((value) => {
          options.onLookup?.(api, value.ok ? 'ok' : value.kind);
          if ((value.ok || value.kind !== 'retry') && (generations.get(key) ?? 0) === generation) {
            entries.set(key, { value, expiresAt: now() + ttlMs });
          }
          return value;
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending as Promise<Lookup<T>>;
  }

  const userKey = (e: Employee) => (e.userId !== undefined ? `user:u:${e.userId}` : `user:o:${e.openId}`);

  return {
    /** The members of a chat, as user_ids or open_ids. */
    members(chatId: string, idType: 'user_id' | 'open_id'): Promise<Lookup<ReadonlySet<string>>> {
      return cached(`members:${chatId}:${idType}`, 'chat members', options.membersTtlMs, async () => {
        const found = await options.api.chatMembers(chatId, idType);
        return found.ok ? { ok: true as const, value: new Set(found.value) } : found;
      });
    },

    /** Whether the employee is in the chat (by user_id when the event has one, else open_id). */
    async isMember(chatId: string, employee: Employee): Promise<Lookup<boolean>> {
      const byUserId = employee.userId !== undefined;
      const members = await this.members(chatId, byUserId ? 'user_id' : 'open_id');
      if (!members.ok) return members;
      return { ok: true, value: members.value.has((byUserId ? employee.userId : employee.openId) ?? '') };
    },

    user(employee: Employee): Promise<Lookup<DirectoryUser>> {
      return cached(userKey(employee), 'contact user', options.orgTtlMs, () => options.api.user(employee));
    },

    /** A department and every one above it (open_department_ids). */
    async departmentWithAncestors(departmentId: string): Promise<Lookup<string[]>> {
      const above = await cached(`ancestors:${departmentId}`, 'contact department parents', options.orgTtlMs, () =>
        options.api.departmentAncestors(departmentId),
      );
      return above.ok ? { ok: true, value: [departmentId, ...above.value] } : above;
    },

    /** The employee's attendance group on `day` (yyyyMMdd). */
    attendanceGroup(userId: string, day: number): Promise<Lookup<string | null>> {
      return cached(`group:${userId}:${day}`, 'attendance group', options.orgTtlMs, () => options.api.attendanceGroup(userId, day));
    },

    /** Forgets a chat's members: someone joined or left it, or the bot was removed. */
    invalidateChat(chatId: string): void {
      for (const idType of ['user_id', 'open_id']) {
        const key = `members:${chatId}:${idType}`;
        entries.delete(key);
        generations.set(key, (generations.get(key) ?? 0) + 1);
      }
    },
  };
}

export type DirectoryCache = ReturnType<typeof directoryCache>;

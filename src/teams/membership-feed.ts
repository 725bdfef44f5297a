// Chat membership changes for the member cache of the instance that routes team cards. Feishu
// pushes a membership event to one instance (a webhook behind a balancer, or one of the long
// connections); on PostgreSQL the one that routes is whichever holds the sender lease. So the
// router looks in the store for changes before it decides, besides hearing of those that reached
// its own process at once.
import type { ChatChange } from '../store/chat-changes.js';
import type { Store } from '../store/store.js';

/**
 * How far back each look reaches. Events are stamped when they arrive and committed a little
 * later (group commit), so a look from the last one on could miss one committed late; the overlap
 * catches those, and each change is applied once however often it is seen.
 */
export const MEMBERSHIP_LOOKBACK_MS = 60_000;

export interface MembershipFeedOptions {
  store: Pick<Store, 'chatChangesSince'>;
  /** Drops a chat's cached members. */
  invalidate: (chatId: string) => void;
  now: () => number;
  lookbackMs?: number;
}

export function membershipFeed(options: MembershipFeedOptions) {
  const { store, invalidate, now } = options;
  const lookbackMs = options.lookbackMs ?? MEMBERSHIP_LOOKBACK_MS;
  /** Changes applied, by event id, with when they happened (forgotten once out of reach). */
  const applied = new Map<string, number>();
  let current: Promise<void> | undefined;
  let queued: Promise<void> | undefined;

  const apply = (change: ChatChange) => {
    if (applied.has(change.eventId)) return;
    applied.set(change.eventId, change.at);
    invalidate(change.chatId);
  };

  async function look(): Promise<void> {
    const at = now();
    for (const change of await store.chatChangesSince(at - lookbackMs)) apply(change);
    for (const [eventId, when] of applied) if (when < at - 2 * lookbackMs) applied.delete(eventId);
  }

  function sync(): Promise<void> {
    if (!current) {
      current = look().finally(() => (current = undefined));
      return current;
    }
    queued ??= current
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return sync();
      });
    return queued;
  }

  return {
    /** A membership event this process took in: applied at once. */
    changed(chatId: string, eventId: string): void {
      apply({ eventId, chatId, at: now() });
    },
    /**
     * Applies every change stored before the call. Callers while a look is under way share the
     * next one (which starts after they asked), so a burst of routings costs two looks, not one each.
     */
    sync,
  };
}

export type MembershipFeed = ReturnType<typeof membershipFeed>;

// The instance that routes team cards learns of chat membership changes from the store, whichever
// instance Feishu pushed them to; each change drops the chat's cached members once.
import { describe, expect, it } from 'vitest';
import { chatChangePayload } from '../../src/store/chat-changes.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { membershipFeed } from '../../src/teams/membership-feed.js';

const joined = (eventId: string, chatId: string, receivedAt: number) => ({
  event: { eventId, eventType: 'im.chat.member.user.added_v1', status: 'ignored' as const, payload: chatChangePayload(chatId), receivedAt },
  deliveries: [],
});

/** A real store (SQLite in memory), the feed over it, and the chats it dropped. */
function setUp(now = () => 10_000) {
  const store = openSqliteStore(':memory:');
  const dropped: string[] = [];
  let looks = 0;
  let gate: Promise<void> | undefined;
  const counted: Pick<Store, 'chatChangesSince'> = {
    async chatChangesSince(since) {
      looks++;
      const answer = await store.chatChangesSince(since); // read when asked…
      await gate; // …answered when the test lets it
      return answer;
    },
  };
  const feed = membershipFeed({ store: counted, invalidate: (chatId) => dropped.push(chatId), now });
  return {
    store,
    feed,
    dropped,
    looks: () => looks,
    hold() {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

describe('chat membership changes, for the instance that routes', () => {
  it('drops the cached members of each chat another instance heard about, once per change', async () => {
    const { store, feed, dropped } = setUp();
    await store.recordEvents([joined('m1', 'oc_ops', 9_000), joined('m2', 'oc_sales', 9_500)]);
    await feed.sync();
    expect(dropped).toEqual(['oc_ops', 'oc_sales']);
    await store.recordEvents([joined('m3', 'oc_ops', 9_900)]);
    await feed.sync();
    expect(dropped).toEqual(['oc_ops', 'oc_sales', 'oc_ops']);
    await feed.sync();
    expect(dropped).toHaveLength(3);
  });

  it('drops at once what this instance heard itself, and not again when the store shows it', async () => {
    const { store, feed, dropped } = setUp();
    feed.changed('oc_ops', 'm1');
    expect(dropped).toEqual(['oc_ops']);
    await store.recordEvents([joined('m1', 'oc_ops', 9_000)]);
    await feed.sync();
    expect(dropped).toEqual(['oc_ops']);
  });

  it('looks back a minute, for events stamped before a look and committed after it', async () => {
    const { store, feed, dropped } = setUp();
    await store.recordEvents([joined('old', 'oc_old', 10_000 - 61_000), joined('late', 'oc_late', 10_000 - 59_000)]);
    await feed.sync();
    expect(dropped).toEqual(['oc_late']);
  });

  it('lets the routings that ask during a look share one look that starts after they asked: a change stored meanwhile is seen', async () => {
    const { store, feed, dropped, looks, hold } = setUp();
    const release = hold();
    const first = feed.sync(); // reads the store now (nothing yet), answers when released
    await new Promise((r) => setTimeout(r, 5));
    await store.recordEvents([joined('m1', 'oc_ops', 9_000)]); // committed while the first look is under way
    const asked = [feed.sync(), feed.sync(), feed.sync()];
    release();
    await Promise.all([first, ...asked]);
    expect(dropped).toEqual(['oc_ops']);
    expect(looks()).toBe(2);
  });
});

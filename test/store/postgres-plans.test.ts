// The PostgreSQL store under a backlog its statistics have not seen (a burst; a fresh database):
// each hot operation reads a few pages, never the whole backlog. Measured by the pages the
// store's own statements touch (EXPLAIN ANALYZE, BUFFERS) — a count, not a time, so it holds on
// a slow machine. Before the store steered the planner, a look at the outbox read every pending
// row (2,200 pages at 40,000 waiting, for a page of 80) and marking a card sent scanned the whole outbox.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres.js';
import type { NewEvent } from '../../src/store/store.js';
import { chatChangePayload } from '../../src/store/chat-changes.js';
import { freshDatabase } from '../support/postgres.js';

const BACKLOG = 40_000;
const CHAT = 'oc_team';
/** Pages a statement may touch per row it is about: index and heap pages, with room to spare. */
const PAGES_PER_ROW = 8;
/** …and a statement about one row or a few. */
const FEW_PAGES = 120;

let store: PostgresStore;
let drop: () => Promise<void>;

beforeAll(async () => {
  const db = await freshDatabase();
  drop = db.drop;
  store = openPostgresStore(db.url);
  await store.started;
  // The backlog, written behind the planner's back: no ANALYZE has seen these rows.
  await store.pool.query(
    `INSERT INTO events (event_id, event_type, kind, instance_code, status, payload, received_at)
     SELECT 'e' || i, 'shift_approval', 'shift', 'I' || i, 'accepted', '{}', 1000 + i FROM generate_series(1, $1) i`,
    [BACKLOG],
  );
  await store.pool.query(
    `INSERT INTO deliveries (event_id, audience, receive_id_type, receive_id, uuid, status, next_attempt_at, created_at, updated_at, retry_from)
     SELECT 'e' || i, a.audience, a.type, CASE WHEN a.audience = 'team' THEN $2 ELSE 'ou_' || i END, a.audience || i, 'pending', 1000 + i, 1000 + i, 1000 + i, 1000 + i
     FROM generate_series(1, $1) i, (VALUES ('employee', 'open_id'), ('team', 'chat_id')) AS a(audience, type)`,
    [BACKLOG, CHAT],
  );
}, 60_000);

afterAll(async () => {
  await store?.close();
  await drop?.();
});

/**
 * The statements `operation` sends (through the pool or a transaction's client), each with its
 * values; not the session setting a new connection of the pool starts with.
 */
async function statementsOf(operation: () => Promise<unknown>, only = /^(?!SET )/): Promise<Array<{ text: string; values: unknown[] }>> {
  const seen: Array<{ text: string; values: unknown[] }> = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [q, values] = args as [string | { text: string; values?: unknown[] }, unknown];
    const text = typeof q === 'string' ? q : q.text;
    if (only.test(text)) seen.push({ text, values: Array.isArray(values) ? values : ((q as { values?: unknown[] }).values ?? []) });
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await operation();
  } finally {
    pg.Client.prototype.query = query;
  }
  return seen;
}

/** Shared pages each statement touches, run again on one of the store's connections, then rolled back. */
async function pagesRead(statements: Array<{ text: string; values: unknown[] }>): Promise<number[]> {
  const client = await store.pool.connect();
  try {
    const pages: number[] = [];
    for (const { text, values } of statements) {
      await client.query('BEGIN');
      const plan = (await client.query<{ 'QUERY PLAN': Array<{ Plan: Record<string, number> }> }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, values)).rows[0]!['QUERY PLAN'][0]!.Plan;
      await client.query('ROLLBACK');
      pages.push(plan['Shared Hit Blocks']! + plan['Shared Read Blocks']!);
    }
    return pages;
  } finally {
    client.release();
  }
}

const approval = (i: number): NewEvent => ({ eventId: `new${i}`, eventType: 'shift_approval', kind: 'shift', instanceCode: `N${i}`, status: 'accepted', payload: '{}', receivedAt: 5_000_000 });

describe(`PostgreSQL store with ${BACKLOG.toLocaleString('en')} cards waiting that its statistics never saw`, () => {
  it('looks at the outbox by reading the page it asks for', async () => {
    const statements = await statementsOf(async () => {
      expect(await store.dueDeliveries(10_000_000, 80, new Set())).toHaveLength(80);
      expect(await store.nextDueAt()).toBe(1001);
    });
    expect(statements).toHaveLength(2);
    const [page, next] = await pagesRead(statements);
    expect(page).toBeLessThan(80 * PAGES_PER_ROW);
    expect(next).toBeLessThan(FEW_PAGES);
  });

  it('stores a batch of approvals, checking each for an earlier revocation, without reading the inbox', async () => {
    const statements = await statementsOf(async () => {
      const results = await store.recordEvents([1, 2, 3, 4].map((i) => ({ event: approval(i), deliveries: [{ audience: 'employee' as const, receiveIdType: 'open_id' as const, receiveId: `ou_n${i}`, uuid: `n${i}` }] })));
      expect(results).toEqual(['stored', 'stored', 'stored', 'stored']);
    });
    expect(statements).toHaveLength(1); // one round trip for the batch, revocation check included
    // Run again, the approvals are duplicates: the same lookups, nothing inserted.
    for (const pages of await pagesRead(statements)) expect(pages).toBeLessThan(FEW_PAGES);
  });

  it('marks a card attempted and sent by its id', async () => {
    const [first] = await store.dueDeliveries(10_000_000, 1, new Set());
    const statements = await statementsOf(async () => {
      expect(await store.markAttempting(first!.id, 10_000_000)).toBe(true);
      await store.markSent(first!.id, 'om_1', 10_000_000);
    });
    expect(statements).toHaveLength(2);
    for (const pages of await pagesRead(statements)) expect(pages).toBeLessThan(FEW_PAGES);
  });

  it('folds a chat backlog into a digest by looking up its members, not the whole chat', async () => {
    const candidates = await store.digestCandidates(CHAT, 10_000_000, 20);
    expect(candidates).toHaveLength(20);
    // In its transaction, the one statement that takes the members (not BEGIN, the digest's own row, COMMIT).
    const statements = await statementsOf(async () => {
      expect(await store.createDigest(CHAT, candidates.map((d) => d.id), 'digest-1', 10_000_000)).toBeDefined();
    }, /^\s*WITH locked|^\s*UPDATE/);
    expect(statements).toHaveLength(1);
    // Again, on rows already digested: the same lookups, nothing changed.
    for (const pages of await pagesRead(statements)) expect(pages).toBeLessThan(FEW_PAGES);
  });

  it('looks for chat membership changes (before each team routing) in the small index of them, not the inbox', async () => {
    await store.recordEvent({ eventId: 'joined', eventType: 'im.chat.member.user.added_v1', status: 'ignored', payload: chatChangePayload(CHAT), receivedAt: 4000 }, []);
    const statements = await statementsOf(async () => {
      expect(await store.chatChangesSince(0)).toEqual([{ eventId: 'joined', chatId: CHAT, at: 4000 }]);
    });
    expect(statements).toHaveLength(1);
    const [pages] = await pagesRead(statements);
    expect(pages).toBeLessThan(FEW_PAGES / 10); // the whole inbox since 0 is 40,000 rows
  });
});

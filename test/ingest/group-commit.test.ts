// Group commit: one transaction at a time, the events that arrive meanwhile make up the next one;
// a transaction that hangs does not hold the next one back; a failure fails only its own batch.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { groupCommit } from '../../src/ingest/group-commit.js';
import type { NewEvent, RecordResult } from '../../src/store/store.js';

const event = (i: number): NewEvent => ({ eventId: `ev_${i}`, eventType: 'approval.instance.remedy_group_update_v4', status: 'accepted', receivedAt: 0 });

/** A store whose transactions end when the test says: each call is kept with its events. */
function controlledStore() {
  const calls: Array<{ ids: string[]; commit: () => void; fail: (error: Error) => void }> = [];
  let syncs = 0;
  return {
    calls,
    syncs: () => syncs,
    store: {
      recordEvents: (batch: ReadonlyArray<{ event: NewEvent }>) =>
        new Promise<RecordResult[]>((resolve, reject) => {
          calls.push({ ids: batch.map((b) => b.event.eventId), commit: () => resolve(batch.map(() => 'stored')), fail: reject });
        }),
      durable: async () => void syncs++,
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

afterEach(() => vi.useRealTimers());

describe('group commit', () => {
  it('writes an event at once when nothing is being written', async () => {
    const s = controlledStore();
    const record = groupCommit(s.store);
    const result = record(event(1), []);
    await turn();
    expect(s.calls.map((c) => c.ids)).toEqual([['ev_1']]);
    s.calls[0]!.commit();
    await expect(result).resolves.toBe('stored');
    expect(s.syncs()).toBe(1); // acknowledged only after the sync
  });

  it('keeps the events that arrive during a transaction for one next transaction', async () => {
    const s = controlledStore();
    const record = groupCommit(s.store);
    const first = record(event(1), []);
    await turn();
    const later = [2, 3, 4, 5].map((i) => record(event(i), []));
    await turn();
    await turn();
    expect(s.calls).toHaveLength(1); // the four wait for the first transaction
    s.calls[0]!.commit();
    await first;
    await turn();
    expect(s.calls.map((c) => c.ids)).toEqual([['ev_1'], ['ev_2', 'ev_3', 'ev_4', 'ev_5']]);
    s.calls[1]!.commit();
    await expect(Promise.all(later)).resolves.toEqual(['stored', 'stored', 'stored', 'stored']);
  });

  it('does not let a hung transaction hold back the next batch for longer than stallMs', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const s = controlledStore();
    const record = groupCommit(s.store, { stallMs: 250 });
    const hung = record(event(1), []);
    await turn();
    const next = record(event(2), []);
    await turn();
    vi.advanceTimersByTime(249);
    await turn();
    expect(s.calls).toHaveLength(1);
    vi.advanceTimersByTime(1);
    await turn();
    expect(s.calls.map((c) => c.ids)).toEqual([['ev_1'], ['ev_2']]);
    s.calls[1]!.commit();
    await expect(next).resolves.toBe('stored');
    // The hung one still answers its own events when it ends, and holds nothing back meanwhile.
    const third = record(event(3), []);
    await turn();
    expect(s.calls.map((c) => c.ids).at(-1)).toEqual(['ev_3']);
    s.calls[0]!.fail(new Error('connection lost'));
    await expect(hung).rejects.toThrow('connection lost');
    s.calls[2]!.commit();
    await expect(third).resolves.toBe('stored');
  });

  it('fails only the events of a failed transaction, and goes on with the next', async () => {
    const s = controlledStore();
    const record = groupCommit(s.store);
    const failed = [record(event(1), []), record(event(2), [])];
    await turn();
    const next = record(event(3), []);
    s.calls[0]!.fail(new Error('could not serialize'));
    for (const f of failed) await expect(f).rejects.toThrow('could not serialize');
    await turn();
    expect(s.calls.map((c) => c.ids)).toEqual([['ev_1', 'ev_2'], ['ev_3']]);
    s.calls[1]!.commit();
    await expect(next).resolves.toBe('stored');
    expect(s.syncs()).toBe(1); // the failed batch was not synced or acknowledged
  });

  it('writes at most 512 events to a transaction; the rest follow in the next', async () => {
    const s = controlledStore();
    const record = groupCommit(s.store);
    const all = Array.from({ length: 600 }, (_, i) => record(event(i), []));
    await turn();
    expect(s.calls.map((c) => c.ids.length)).toEqual([512]);
    s.calls[0]!.commit();
    await turn();
    await turn();
    expect(s.calls.map((c) => c.ids.length)).toEqual([512, 88]);
    s.calls[1]!.commit();
    expect(new Set(await Promise.all(all))).toEqual(new Set(['stored']));
  });

  it('fails the batch, without throwing out of the event loop, when the store throws at once', async () => {
    const record = groupCommit({
      recordEvents: () => {
        throw new Error('database is closed');
      },
      durable: async () => undefined,
    });
    await expect(record(event(1), [])).rejects.toThrow('database is closed');
    await expect(record(event(2), [])).rejects.toThrow('database is closed'); // and is not stuck
  });
});

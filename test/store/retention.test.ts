// Retention: events older than 15 days are purged a minute after an instance starts sending, then
// hourly, and not at all while it does not send. On a real SQLite file, with a fake clock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/log.js';
import { RETENTION_MS, retention } from '../../src/store/retention.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { storedApproval as approval } from '../support/stored-events.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 11, 6, 9, 0);

function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  return { log, messages: () => lines.map((l) => l.msg), lines };
}

describe('retention', () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.setSystemTime(T0);
    dir = mkdtempSync(join(tmpdir(), 'retention-'));
    store = openSqliteStore(join(dir, 'bot.sqlite'));
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kept = async (...ids: string[]) => (await Promise.all(ids.map(async (id) => ((await store.event(id)) ? id : undefined)))).filter(Boolean);

  it('purges the events older than 15 days a minute after it starts, then every hour', async () => {
    await store.recordEvent(approval('old', T0 - 16 * DAY), []);
    await store.recordEvent(approval('ages-in-half-an-hour', T0 - RETENTION_MS + 30 * MINUTE), []);
    await store.recordEvent(approval('recent', T0 - DAY), []);
    const { log, lines } = capturedLog();
    const purging = retention(store, Date.now, log);
    purging.start();

    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(await kept('old', 'ages-in-half-an-hour', 'recent')).toEqual(['old', 'ages-in-half-an-hour', 'recent']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await kept('old', 'ages-in-half-an-hour', 'recent')).toEqual(['ages-in-half-an-hour', 'recent']);
    expect(lines.filter((l) => l.msg === 'old events purged').map((l) => l.purged)).toEqual([1]);

    await vi.advanceTimersByTimeAsync(HOUR - 1);
    expect(await kept('ages-in-half-an-hour')).toEqual(['ages-in-half-an-hour']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await kept('ages-in-half-an-hour', 'recent')).toEqual(['recent']);

    // An hour with nothing old enough says so at debug level only.
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(lines.filter((l) => l.msg === 'old events purged')).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({ msg: 'purge: no event old enough', level: 'debug' });
    await purging.stop();
  });

  it('purges nothing once stopped (the instance no longer sends), and starts over a minute after start() again', async () => {
    await store.recordEvent(approval('old', T0 - 16 * DAY), []);
    const purging = retention(store, Date.now, capturedLog().log);
    purging.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await purging.stop();
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(await kept('old')).toEqual(['old']);

    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE - 1);
    expect(await kept('old')).toEqual(['old']);
    await vi.advanceTimersByTimeAsync(1);
    expect(await kept('old')).toEqual([]);
    await purging.stop();
  });

  it('purges a large backlog in chunks, letting the process take requests between two', async () => {
    for (let i = 0; i < 2500; i++) await store.recordEvent(approval(`old-${i}`, T0 - 20 * DAY + i), []);
    const seen: string[] = [];
    const chunked: Pick<Store, 'purgeBefore'> = {
      async purgeBefore(cutoff, limit) {
        const result = await store.purgeBefore(cutoff, limit);
        seen.push(`chunk ${result.events}`);
        // Queued now, as a request arriving during the chunk would be: it runs before the next chunk only if the purge yields.
        setImmediate(() => seen.push('request'));
        return result;
      },
    };
    const { log, lines } = capturedLog();
    const purging = retention(chunked, Date.now, log, { chunk: 1000 });
    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    await vi.waitFor(() => expect(seen).toContain('chunk 500'));
    expect(seen.slice(0, 5)).toEqual(['chunk 1000', 'request', 'chunk 1000', 'request', 'chunk 500']);
    expect(await kept('old-0', 'old-2499')).toEqual([]);
    expect(lines.filter((l) => l.msg === 'old events purged').map((l) => l.purged)).toEqual([2500]);
    await purging.stop();
  });

  it('stops between two chunks when it is stopped: the rest waits for the next sender', async () => {
    let calls = 0;
    let finish!: () => void;
    const backlog: Pick<Store, 'purgeBefore'> = {
      purgeBefore: () => (calls++, new Promise((resolve) => (finish = () => resolve({ events: 1000, more: true })))),
    };
    const purging = retention(backlog, Date.now, capturedLog().log, { chunk: 1000 });
    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    const stopping = purging.stop();
    finish();
    await stopping;
    expect(calls).toBe(1);
  });

  it('arms one schedule however often start() is called', async () => {
    let calls = 0;
    const counting: Pick<Store, 'purgeBefore'> = { purgeBefore: async () => (calls++, { events: 0, more: false }) };
    const purging = retention(counting, Date.now, capturedLog().log);
    purging.start();
    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE + 3 * HOUR);
    expect(calls).toBe(4);
    await purging.stop();
  });

  it('stop() waits for a purge in flight, so that the store is not closed under it', async () => {
    let finish!: (purged: { events: number; more: boolean }) => void;
    const slow: Pick<Store, 'purgeBefore'> = { purgeBefore: () => new Promise((resolve) => (finish = resolve)) };
    const purging = retention(slow, Date.now, capturedLog().log);
    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    let stopped = false;
    const stopping = purging.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(stopped).toBe(false);
    finish({ events: 2, more: false });
    await stopping;
    expect(stopped).toBe(true);
  });

  it('logs a failed purge as an error, with what its earlier chunks purged, and tries again an hour later', async () => {
    let calls = 0;
    const flaky: Pick<Store, 'purgeBefore'> = {
      purgeBefore: async () => {
        calls++;
        if (calls === 1) return { events: 1000, more: true };
        if (calls === 2) throw new Error('connection terminated unexpectedly');
        return { events: 3, more: false };
      },
    };
    const { log, lines } = capturedLog();
    const purging = retention(flaky, Date.now, log, { chunk: 1000 });
    purging.start();
    await vi.advanceTimersByTimeAsync(MINUTE);
    await vi.waitFor(() => expect(calls).toBe(2));
    await vi.waitFor(() => expect(lines.at(-1)).toMatchObject({ msg: 'purge failed', level: 'error', purged: 1000 }));
    expect(JSON.stringify(lines.at(-1))).toContain('connection terminated unexpectedly');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(lines.at(-1)).toMatchObject({ msg: 'old events purged', purged: 3 });
    await purging.stop();
  });
});

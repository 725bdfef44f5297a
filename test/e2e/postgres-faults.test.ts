// The bot on PostgreSQL, run as an operator runs it, when things go wrong: a database that is down
// at start or drops its connections mid-run, a schema from a newer bot; and the CLI.
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { POSTGRES_SCHEMA_VERSION } from '../../src/store/postgres-schema.js';
import { openPostgresStore, TIMEOUTS } from '../../src/store/postgres.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { runCli } from '../support/bot-process.js';
import { burst, deliveryProblems, exactlyOnce } from '../support/burst.js';
import { clockOff } from '../support/clock-off.js';
import { eventually, sleep } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';
import { postgresRelay as relay } from '../support/postgres-relay.js';
import { storedApproval } from '../support/stored-events.js';

const pg_ = postgresBots();
const { database, instance, ready, push } = pg_;

describe('PostgreSQL faults', () => {
  it('starts while PostgreSQL is down: one line with host and cause, 503 meanwhile, ready once it is up', async () => {
    const url = await database();
    const link = await relay(url);
    const { bot, base, webhook } = await instance(link.url, 'pod-a');
    await bot.ready;
    const r = await ready(base);
    expect(r.ready).toBe(false);
    expect(r.checks.database).toMatchObject({ ok: false, reason: expect.stringContaining(`cannot reach PostgreSQL at 127.0.0.1:${new URL(link.url).port}/`) });
    expect((await push(webhook, remedySeedEvent({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken }))).status).toBe(503);
    const lines = bot.output.stdout.split('\n').filter((l) => l.includes('cannot reach PostgreSQL'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toContain('ECONNREFUSED');
    expect(lines[0]).not.toContain('postgres:postgres@'); // no password in the log

    await link.listen();
    await eventually(async () => (await ready(base)).ready, 'ready once PostgreSQL answers', 15_000);
    expect((await push(webhook, remedySeedEvent({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken }))).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 2, 'its cards');
    await link.close();
  }, 40_000);

  it('answers 503 while the connection is lost, reconnects, and loses nothing it acknowledged', async () => {
    const url = await database();
    const link = await relay(url);
    await link.listen();
    const { bot, webhook } = await instance(link.url, 'pod-a');
    await bot.ready;
    const acknowledged: number[] = [];
    const events = burst(60, 10, 'ev_cut');
    let refused = 0;
    // Every push gets an answer, 503 or 200: no answer means the bot died (a dropped connection's
    // unheard 'error' event once ended it here), and the test says so with the bot's last words.
    const answered = async (event: unknown) => {
      try {
        return await push(webhook, event);
      } catch (error) {
        const exited = bot.child.exitCode ?? bot.child.signalCode;
        throw new Error(`no answer (${(error as Error).message})${exited === null ? '' : `; the bot exited: ${exited}`}: ${bot.output.stderr.slice(-2000)}`);
      }
    };
    for (const [i, event] of events.entries()) {
      if (i === 20) link.cut(); // every connection dropped under the bot's feet
      if (i === 30) {
        await link.close(); // and PostgreSQL unreachable for a moment
        for (let j = 0; j < 3; j++) if ((await answered(events[j + 30]!)).status === 503) refused++;
        await link.listen();
      }
      for (let attempt = 0; attempt < 50; attempt++) {
        if ((await answered(event)).status === 200) {
          acknowledged.push(i);
          break;
        }
        await sleep(100);
      }
    }
    expect(refused).toBe(3);
    expect(acknowledged).toHaveLength(60);
    await eventually(() => exactlyOnce(pg_.sandbox.messages, 60) || undefined, 'every acknowledged approval delivered once', 30_000).catch((error: Error) => {
      // (Seen once in a fresh-clone CI run, not reproduced since: say what was missing and why.)
      const said = bot.output.stdout.split('\n').filter((line) => /"level":"(warn|error)"/.test(line));
      throw new Error(`${error.message}: ${deliveryProblems(pg_.sandbox.messages, 60)}; the bot's last warnings and errors:\n${said.slice(-20).join('\n')}`);
    });
    await link.close();
  }, 60_000);

  it('a database that turns read-only (a full disk on a managed server, a standby after a fail-over): unready with the reason, 503s, then back to work, nothing lost or doubled', async () => {
    const url = await database();
    const { bot, base, webhook } = await instance(url, 'pod-a');
    await bot.ready;
    // As a provider does it: writes refused from now on, for every session (here: every new one).
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = new URL(url).pathname.slice(1);
    const setReadOnly = async (on: boolean) => {
      await admin.query(on ? `ALTER DATABASE ${name} SET default_transaction_read_only = on` : `ALTER DATABASE ${name} RESET default_transaction_read_only`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    };
    try {
      await pg_.writesRefused(
        { base, webhook },
        {
          eventIds: 'ev_read_only',
          refuse: () => setReadOnly(true),
          allow: () => setReadOnly(false),
          says: 'read-only',
          reason: /^not writable: PostgreSQL at 127\.0\.0\.1:\d+\/bot_test_\w+ is read-only/,
        },
      );
    } finally {
      await admin.end();
    }
  }, 40_000);

  it('refuses a database written by a newer bot, in one line', async () => {
    const url = await database();
    const first = await instance(url, 'pod-a');
    await first.bot.ready;
    first.bot.child.kill('SIGTERM');
    await first.bot.exited;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('UPDATE schema_version SET version = 99');
    await client.end();
    const second = await instance(url, 'pod-b');
    expect(await second.bot.exited).toBe(1);
    expect(second.bot.output.stderr.trim()).toMatch(new RegExp(`^database 127\\.0\\.0\\.1:\\d+/bot_test_\\w+ has schema version 99, newer than this bot's ${POSTGRES_SCHEMA_VERSION}:`));
  }, 30_000);
});

describe('the CLI on PostgreSQL', () => {
  it('lists and re-queues deliveries, on the database clock even from a machine whose clock runs an hour ahead', async () => {
    const url = await database();
    const { bot, webhook } = await instance(url, 'pod-a');
    await bot.ready;
    pg_.sandbox.fail({ match: (s) => s.receiveIdType === 'chat_id', code: 230002, msg: 'Bot is not in the chat' });
    expect((await push(webhook, remedySeedEvent({ appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken }))).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 1, 'the DM');
    const env = { DATABASE_URL: url };
    await eventually(async () => (await runCli(['deliveries', '--status', 'dead'], env)).stdout.includes('1 delivery dead'), 'the dead team card listed');
    pg_.sandbox.clearFaults();
    // Stamped with that machine's time, the re-queued card would wait an hour.
    const requeued = await runCli(['requeue', '--all-dead'], { ...env, ...clockOff(3_600_000) });
    expect(requeued).toMatchObject({ code: 0, stdout: 're-queued 1 dead deliveries\n' });
    expect(requeued.stderr).toMatch(/^warning: this machine's clock is (3599\.9|3600\.[01]) s ahead of the database's/);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the team card after the re-queue');
    const backup = await runCli(['backup', join(pg_.dir, 'x.sqlite')], env);
    expect(backup.code).toBe(2);
    expect(backup.stderr).toContain('pg_dump');
  }, 30_000);

  it('re-queues however long it takes: the bot\'s statement limit is not the operator\'s', async () => {
    const url = await database();
    const store = openPostgresStore(url);
    await store.started;
    await store.recordEvent(storedApproval('e1', 1), [{ audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_1', uuid: 'u1' }]);
    await store.pool.query("UPDATE deliveries SET status = 'dead'");
    await store.close();
    // A re-queue slower than the bot's limit: here it waits on a row another session holds.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    await other.query('BEGIN');
    await other.query("SELECT id FROM deliveries WHERE status = 'dead' FOR UPDATE");
    const requeueing = runCli(['requeue', '--all-dead'], { DATABASE_URL: url });
    await sleep(TIMEOUTS.statementMs + 1000);
    await other.query('COMMIT');
    await other.end();
    expect(await requeueing).toMatchObject({ code: 0, stdout: 're-queued 1 dead deliveries\n' });
  }, 30_000);
});

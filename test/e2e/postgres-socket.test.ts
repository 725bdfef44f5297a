// PostgreSQL on the same host through its Unix socket, as a systemd deployment beside the server
// connects: DATABASE_URL with an empty host and ?host=<socket directory>. The socket here is a
// relay to the tests' server, so that any machine can run it.
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { runCli } from '../support/bot-process.js';
import { eventually } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';
import { postgresServerUrl } from '../support/postgres.js';

const pg_ = postgresBots();
const { database, instance, ready, push } = pg_;
const PORT = 5432;
let dir: string;
let relay: Server;
let connections = 0;
beforeAll(async () => {
  const server = new URL(postgresServerUrl());
  dir = mkdtempSync(join(tmpdir(), 'pg-socket-'));
  relay = createServer((client) => {
    connections++;
    const upstream = createConnection({ host: server.hostname, port: Number(server.port || 5432) });
    client.pipe(upstream).pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => relay.listen(join(dir, `.s.PGSQL.${PORT}`), resolve));
});
afterAll(async () => {
  await new Promise((resolve) => relay.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** The database at `url`, reached through the socket directory instead of host and port. */
function viaSocket(url: string, socketDir = dir): string {
  const tcp = new URL(url);
  const user = tcp.password ? `${tcp.username}:${tcp.password}` : tcp.username;
  return `postgres://${user}@${tcp.pathname}?host=${encodeURIComponent(socketDir)}&port=${PORT}`;
}

describe('PostgreSQL through a Unix socket', () => {
  it('stores and sends as over TCP, and says which socket it uses', async () => {
    const tcp = await database();
    const url = viaSocket(tcp);
    const before = connections;
    const { bot, base, webhook } = await instance(url, 'pod-socket');
    await bot.ready;
    await eventually(async () => (await ready(base)).ready, 'ready through the socket', 10_000);
    const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };
    expect((await push(webhook, remedySeedEvent(identity, { instance_code: 'I-SOCKET' }))).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the DM and the team card');
    expect(connections).toBeGreaterThan(before);
    const started = JSON.parse(bot.output.stdout.split('\n').find((l) => l.includes('"bot listening"'))!);
    expect(started.database.path).toBe(`socket ${dir}/.s.PGSQL.${PORT}, database ${new URL(tcp).pathname.slice(1)}`);

    const listed = await runCli(['deliveries', '--status', 'sent'], { DATABASE_URL: url });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('2 deliveries sent');
  }, 30_000);

  it('names the missing socket when nothing listens there', async () => {
    const missing = mkdtempSync(join(tmpdir(), 'pg-no-socket-'));
    try {
      const { bot, base } = await instance(viaSocket(await database(), missing), 'pod-no-socket');
      await bot.ready;
      const reason = await eventually(async () => (await ready(base)).checks.database?.reason as string | undefined, 'a reason');
      expect(reason).toMatch(new RegExp(`cannot reach PostgreSQL at socket ${missing}/\\.s\\.PGSQL\\.${PORT}, database bot_test_\\w+: .*ENOENT`));
    } finally {
      rmSync(missing, { recursive: true, force: true });
    }
  }, 30_000);
});

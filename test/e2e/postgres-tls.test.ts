// TLS to PostgreSQL, as managed servers require: DATABASE_URL carries sslmode and sslrootcert, the
// bot verifies the server's certificate against that CA, and a certificate it cannot verify is a
// start-up fault with its cause in one line, never a silent fallback to plaintext.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_APP } from '../../src/sandbox/sandbox-settings.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { eventually } from '../support/harness.js';
import { postgresBots } from '../support/postgres-bots.js';
import { postgresServerUrl } from '../support/postgres.js';
import { startTlsPostgresProxy, TLS_FIXTURES } from '../support/tls-postgres-proxy.js';

const pg_ = postgresBots();
const { database, instance, ready, push } = pg_;
let proxy: Awaited<ReturnType<typeof startTlsPostgresProxy>>;
beforeAll(async () => {
  const server = new URL(postgresServerUrl());
  proxy = await startTlsPostgresProxy({ host: server.hostname, port: Number(server.port || 5432) });
});
afterAll(() => proxy.close());

const identity = { appId: SANDBOX_APP.appId, token: SANDBOX_APP.verificationToken };

describe('PostgreSQL over TLS', () => {
  it('verifies the server against sslrootcert (sslmode=verify-full), then stores and sends as without TLS', async () => {
    const url = proxy.via(await database(), { sslmode: 'verify-full', sslrootcert: join(TLS_FIXTURES, 'ca.pem') });
    const before = proxy.stats.secureSessions;
    const { bot, base, webhook } = await instance(url, 'pod-tls');
    await bot.ready;
    await eventually(async () => (await ready(base)).ready, 'ready over TLS', 10_000);
    expect((await push(webhook, remedySeedEvent(identity, { instance_code: 'I-TLS' }))).status).toBe(200);
    await eventually(() => pg_.sandbox.messages.length === 2, 'the DM and the team card');
    expect(proxy.stats.secureSessions).toBeGreaterThan(before);
    expect(proxy.stats.plaintextRefused).toBe(0);
    expect(bot.output.stderr).not.toMatch(/SECURITY WARNING/); // verify-full is what it says
  }, 30_000);

  it('refuses a certificate its CA did not sign: not ready, 503 to Feishu, one line with host and cause', async () => {
    const url = proxy.via(await database(), { sslmode: 'verify-full', sslrootcert: join(TLS_FIXTURES, 'other-ca.pem') });
    const { bot, base, webhook } = await instance(url, 'pod-untrusted');
    await bot.ready;
    const r = await ready(base);
    expect(r.ready).toBe(false);
    expect(r.checks.database).toMatchObject({ ok: false, reason: expect.stringContaining(`cannot reach PostgreSQL at 127.0.0.1:${proxy.port}/`) });
    expect((await push(webhook, remedySeedEvent(identity))).status).toBe(503);
    const line = await eventually(() => bot.output.stdout.split('\n').find((l) => l.includes('cannot reach PostgreSQL')), 'the line');
    expect(JSON.parse(line!).msg).toMatch(/: Error: unable to verify the first certificate$/);
    expect(proxy.stats.failedHandshakes).toBeGreaterThan(0);
  }, 30_000);
});

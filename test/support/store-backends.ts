// The two stores, each on a new real database: a SQLite file, and a PostgreSQL database on the
// server of test/support/postgres-server.ts. Specifications of the store run against both.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanupsAfterEach } from './cleanups.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase } from './postgres.js';

/** Opens stores on one new database: `open()` again is a second connection (a second instance, or a reopen). */
export interface Backend {
  name: string;
  database(): Promise<{ open(): Promise<Store>; drop(): Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async database() {
      const path = join(mkdtempSync(join(tmpdir(), 'store-')), 'bot.sqlite');
      return { open: async () => openSqliteStore(path), drop: async () => undefined };
    },
  },
  {
    name: 'postgres',
    async database() {
      const db = await freshDatabase();
      return {
        async open() {
          const store = openPostgresStore(db.url, { retry: { baseMs: 50, maxMs: 50 } });
          await store.started;
          if (!store.isReady()) throw new Error('PostgreSQL store not ready');
          return store;
        },
        drop: db.drop,
      };
    },
  },
];

/**
 * `fresh()`: a store on a new database of this backend, closed and dropped after the test; its
 * `open()` opens another store on the same database. Call at the top level of a test file.
 */
export function freshStores(backend: Backend) {
  const cleanups = cleanupsAfterEach();
  return async () => {
    const db = await backend.database();
    cleanups.push(db.drop);
    const open = async () => {
      const store = await db.open();
      cleanups.push(() => store.close());
      return store;
    };
    return { store: await open(), open };
  };
}

// `npm run cli -- backup <file>`: a consistent copy of the live database, checked before it is
// called a backup. Safe while the bot runs: SQLite's online backup reads one snapshot, and the
// bot's writes go on meanwhile (WAL mode).
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { backupSqlite } from '../store/sqlite-backup.js';
import { UsageError } from './usage-error.js';

export interface BackupSummary {
  schemaVersion: number;
  events: number;
  deliveries: Record<string, number>;
  bytes: number;
}

/** Opens the copy on its own and checks it is whole: integrity, foreign keys, schema version. */
export function checkBackup(file: string): BackupSummary {
  const db = new Database(file, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`the copy ${file} fails SQLite's integrity check: ${String(integrity)}`);
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`the copy ${file} has ${broken.length} rows that break a foreign key`);
    const byStatus = db.prepare('SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status ORDER BY status').all() as Array<{ status: string; n: number }>;
    return {
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      events: db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number,
      deliveries: Object.fromEntries(byStatus.map((r) => [r.status, r.n])),
      bytes: statSync(file).size,
    };
  } finally {
    db.close();
  }
}

/** `database` gives the live database's path (DATABASE_URL), once the arguments are known to be right. */
export async function backup(args: string[], database: () => string): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('--')) throw new UsageError('backup needs one argument: the file to write');
  const target = resolve(args[0]!);
  const path = database();
  // Never overwrite: an old backup, or the live database itself, is worth more than a typo.
  if (target === resolve(path)) throw new UsageError(`${args[0]} is the live database itself; name a new file`);
  if (existsSync(target)) throw new UsageError(`${args[0]} exists; name a new file (a backup never overwrites)`);
  const started = Date.now();
  await backupSqlite(path, target);
  const summary = checkBackup(target);
  const deliveries = Object.entries(summary.deliveries).map(([status, n]) => `${n} ${status}`).join(', ') || 'none';
  console.log(
    `backed up ${path} to ${target} in ${Date.now() - started} ms: schema version ${summary.schemaVersion}, ` +
      `${summary.events} events, deliveries ${deliveries}, ${(summary.bytes / 1024).toFixed(0)} KiB, integrity ok`,
  );
  return 0;
}

// A consistent copy of a SQLite database that may be in use by a running bot.
import Database from 'better-sqlite3';
import { renameSync, rmSync } from 'node:fs';

/**
 * SQLite's online backup, all pages in one step: one read transaction, so the copy is one
 * consistent snapshot, and in WAL mode the bot's writes go on meanwhile. (In small steps, a busy
 * bot's commits would restart the copy again and again.) Its own connection, without the store's
 * migrations: a backup taken before an upgrade must not upgrade the database under the old bot.
 * Written beside the target and renamed, so an interrupted backup never leaves a file that looks
 * complete.
 */
export async function backupSqlite(databasePath: string, target: string): Promise<void> {
  const db = new Database(databasePath, { fileMustExist: true });
  const partial = `${target}.partial`;
  try {
    rmSync(partial, { force: true });
    await db.backup(partial, { progress: () => 0x7fffffff });
    renameSync(partial, target);
  } finally {
    db.close();
  }
}

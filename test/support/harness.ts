// A sandbox Open Platform and a bot on a real SQLite file, wired like production, for tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBot, type Bot } from '../../src/bot.js';
import { describeCard } from '../../src/cards/text-view.js';
import { loadConfig } from '../../src/config.js';
import type { WorkerOptions } from '../../src/delivery/worker.js';
import { createLogger, type Logger } from '../../src/log.js';
import { WEBHOOK_PATH } from '../../src/receivers/webhook.js';
import { pushEvent, type PushOptions } from '../../src/sandbox/feishu-push.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/open-platform.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { SANDBOX_APP, sandboxEnv } from '../../src/sandbox/sandbox-settings.js';

export const APP = SANDBOX_APP;

export const FAST_WORKER: Partial<WorkerOptions> = { pollMs: 50, backoff: { baseMs: 20, maxMs: 100 } };

export interface Harness {
  sandbox: Sandbox;
  bot: Bot;
  webhook: string;
  dir: string;
  logs: string[];
  push(event: unknown, options?: PushOptions): Promise<Response>;
  /** Stops the bot and starts a new one on the same database. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  worker?: Partial<WorkerOptions>;
  log?: Logger;
  sandbox?: Partial<SandboxOptions>;
  /** Wraps the bot's real SQLite store (to inject storage faults). */
  wrapStore?: (store: Store) => Store;
  credentialRetryMs?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'approval-bot-test-'));
  const sandbox = await startSandbox({ appId: APP.appId, appSecret: APP.appSecret, ...options.sandbox });
  const config = loadConfig({ ...sandboxEnv(sandbox.url, join(dir, 'bot.sqlite')), ...options.env });
  const logs: string[] = [];
  const log = options.log ?? createLogger({ level: 'debug', secrets: [APP.appSecret, APP.encryptKey, APP.verificationToken], write: (l) => logs.push(l) });
  const start = () =>
    startBot({
      config,
      log,
      hostname: '127.0.0.1',
      worker: { ...FAST_WORKER, ...options.worker },
      store: options.wrapStore?.(openSqliteStore((config.database as { path: string }).path)),
      credentialRetryMs: options.credentialRetryMs,
    });
  let bot = await start();
  const harness: Harness = {
    sandbox,
    get bot() {
      return bot;
    },
    get webhook() {
      return bot.url + WEBHOOK_PATH;
    },
    dir,
    logs,
    push: (event, pushOptions = { encryptKey: config.encryptKey }) => pushEvent(harness.webhook, event, pushOptions),
    async restart() {
      await bot.stop();
      bot = await start();
    },
    async close() {
      await bot.stop();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function eventually<T>(condition: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The zh_cn and en_us titles of a card. */
export function titles(card: Record<string, unknown>): { zh: string; en: string } {
  const title = (card.header as { title: { i18n_content: { zh_cn: string; en_us: string } } }).title;
  return { zh: title.i18n_content.zh_cn, en: title.i18n_content.en_us };
}

/** A card as a reader sees it in one locale: title, body lines (references decoded), buttons. */
export function cardText(card: Record<string, unknown>, locale: 'zh_cn' | 'en_us' = 'en_us'): string {
  return describeCard(card, locale).join('\n');
}

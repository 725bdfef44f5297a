// `npm start`: the bot with settings from the environment and ./.env.
import { STOP_GRACE_MS, startBot } from './bot.js';
import { TemplateError } from './cards/templates.js';
import { ConfigError, loadConfig, loadDotEnv, secretsOf } from './config.js';
import { createLogger } from './log.js';
import { InstanceLockError } from './store/instance-lock.js';
import { SchemaError } from './store/sqlite-schema.js';

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const log = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  let bot;
  try {
    bot = await startBot({ config, log });
  } catch (error) {
    // Problems an operator fixes: one line that says what, no stack.
    if (
      error instanceof TemplateError ||
      error instanceof InstanceLockError ||
      error instanceof SchemaError ||
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
    ) {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Handlers first: a supervisor may signal as soon as it sees the line that the bot listens.
  // Repeats are expected, not a plea to hurry: under `npm start` a Ctrl-C or a signal to the
  // process group reaches the bot twice (directly and forwarded by npm). stop() is bounded by its
  // grace period, so a repeat has nothing to force; with process.once it would kill the bot
  // mid-shutdown (the default action).
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.info('already shutting down', { signal });
      return;
    }
    stopping = true;
    log.info('shutting down', { signal, graceMs: STOP_GRACE_MS });
    bot.stop(STOP_GRACE_MS).then(
      () => {
        log.info('stopped', { signal });
        process.exit(0);
      },
      (error) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutdown(signal));

  const { fields, warnings } = bot.summary();
  log.info('bot listening', { port: bot.port, ...fields });
  for (const warning of warnings) log.warn(warning);
}

main().catch((error) => {
  process.stderr.write(`fatal: ${(error as Error).message}\n`);
  process.exit(1);
});

// `npm start`: the bot with settings from the environment and ./.env.
import { startBot } from './bot.js';
import { TemplateError } from './cards/templates.js';
import { ConfigError, loadConfig, loadDotEnv, secretsOf } from './config.js';
import { createLogger } from './log.js';

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
    if (error instanceof TemplateError || (error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(1);
    }
    throw error;
  }
  log.info('bot listening', { port: bot.port, webhook: '/webhook/event', openPlatform: config.openPlatformUrl, timezone: config.timezone });

  const shutdown = (signal: string) => {
    log.info('shutting down', { signal });
    bot.stop().then(
      () => process.exit(0),
      (error) => {
        log.error('shutdown failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error) => {
  process.stderr.write(`fatal: ${(error as Error).message}\n`);
  process.exit(1);
});

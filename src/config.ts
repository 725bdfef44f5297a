// Settings from the environment (and ./.env), validated once. A bad setting stops start-up with
// one line naming it and what it expects; secret values are never repeated back.
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Brand } from './cards/approval-link.js';
import { isTimeZone } from './cards/time.js';
import { FEISHU_RATE_LIMITS, type RateLimits } from './delivery/rate-limit.js';
import { LEVELS, type Level } from './log.js';
import { emptyConfigFile, parseConfigFile, type BuilderTemplate, type TemplateKey } from './config-file.js';
import { CHAT_ID, TEAM_ROUTING_MODES, teamRoutingMode, type Routing, type TeamRoutingMode } from './routing.js';
import { isPostgresUrl, namedIn } from './store/postgres-url.js';

export interface DeliverySettings {
  concurrency: number;
  timeoutMs: number;
  horizonMs: number;
  limits: RateLimits;
  digestThreshold: number;
}

export type EventMode = 'webhook' | 'ws' | 'both';

export interface Config {
  logLevel: Level;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** Where events come from: the webhook, the long connection, or both. */
  eventMode: EventMode;
  /** Seconds without an answer to a ping before the long connection is deemed dead. */
  wsPingTimeoutSeconds: number;
  appId: string;
  appSecret: string;
  encryptKey?: string;
  verificationToken?: string;
  /** Base URL of the Open Platform, without a trailing slash. */
  openPlatformUrl: string;
  brand: Brand;
  port: number;
  /** DATABASE_URL: an SQLite file (one instance) or a PostgreSQL database (any number). */
  database: DatabaseSetting;
  /** This instance's name in the sender lease, /readyz and /metrics (PostgreSQL). */
  instanceId: string;
  /** PostgreSQL: how long the sender's lease lasts unrenewed; another instance takes over after it. */
  senderLeaseMs: number;
  /** PostgreSQL: the most connections this instance opens (DATABASE_POOL_SIZE). */
  databasePoolSize: number;
  timezone: string;
  routing: Routing;
  /** user_id or open_id → IANA zone (CONFIG_FILE time_zones). */
  timeZoneOverrides: ReadonlyMap<string, string>;
  /** Ask the attendance API for each employee's zone (needs the attendance scopes). */
  attendanceZones: boolean;
  /** TEMPLATES_DIR: files here replace those of templates/ one by one. */
  templatesDir?: string;
  builderTemplates: Partial<Record<TemplateKey, BuilderTemplate>>;
  delivery: DeliverySettings;
  /** How long looked-up facts are trusted: chat members, and org data (names, departments, groups). */
  directoryTtl: { membersMs: number; orgMs: number };
}

export type DatabaseSetting = { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export class ConfigError extends Error {
  constructor(setting: string, expected: string, got?: string) {
    super(`Invalid setting ${setting}: ${expected}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`);
  }
}

const DOMAINS: Record<string, { url: string; brand: Brand }> = {
  feishu: { url: 'https://open.feishu.cn', brand: 'feishu' },
  lark: { url: 'https://open.larksuite.com', brand: 'lark' },
};

/** Reads ./.env into process.env without overriding variables already set. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

function nonEmpty(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, max = 1_000_000_000, min = 1): number {
  const text = nonEmpty(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}`, text);
  }
  return value;
}

function onOff(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const text = nonEmpty(env, name)?.toLowerCase();
  if (text === undefined) return fallback;
  if (['on', 'true', '1', 'yes'].includes(text)) return true;
  if (['off', 'false', '0', 'no'].includes(text)) return false;
  throw new ConfigError(name, 'expected on or off', text);
}

function templatesDir(env: NodeJS.ProcessEnv): string | undefined {
  const dir = nonEmpty(env, 'TEMPLATES_DIR');
  if (dir !== undefined && !existsSync(dir)) throw new ConfigError('TEMPLATES_DIR', 'expected an existing folder of card templates', dir);
  return dir;
}

function deliverySettings(env: NodeJS.ProcessEnv): DeliverySettings {
  return {
    concurrency: positiveInteger(env, 'SEND_CONCURRENCY', 10, 1000),
    timeoutMs: positiveInteger(env, 'SEND_TIMEOUT_MS', 10_000, 600_000),
    horizonMs: positiveInteger(env, 'RETRY_HORIZON_HOURS', 24, 24 * 365) * 60 * 60_000,
    digestThreshold: positiveInteger(env, 'DIGEST_THRESHOLD', 5, 1000),
    limits: {
      appPerSecond: positiveInteger(env, 'RATE_LIMIT_APP_PER_SECOND', FEISHU_RATE_LIMITS.appPerSecond),
      appPerMinute: positiveInteger(env, 'RATE_LIMIT_APP_PER_MINUTE', FEISHU_RATE_LIMITS.appPerMinute),
      perChatPerSecond: positiveInteger(env, 'RATE_LIMIT_CHAT_PER_SECOND', FEISHU_RATE_LIMITS.perChatPerSecond),
      perUserPerSecond: positiveInteger(env, 'RATE_LIMIT_USER_PER_SECOND', FEISHU_RATE_LIMITS.perUserPerSecond),
      marginMs: FEISHU_RATE_LIMITS.marginMs,
    },
  };
}

function parseDomain(value: string): { url: string; brand: Brand } {
  const known = DOMAINS[value.toLowerCase()];
  if (known) return known;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('FEISHU_DOMAIN', 'expected feishu, lark or a base URL such as http://127.0.0.1:9000', value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('FEISHU_DOMAIN', 'expected an http or https URL', value);
  }
  return { url: value.replace(/\/+$/, ''), brand: url.hostname.endsWith('larksuite.com') ? 'lark' : 'feishu' };
}

/** DATABASE_URL (the CLI needs only this setting). */
export function databaseFrom(env: NodeJS.ProcessEnv): DatabaseSetting {
  const databaseUrl = nonEmpty(env, 'DATABASE_URL') ?? 'file:./data/bot.sqlite';
  const file = /^file:(.+)$/.exec(databaseUrl);
  if (file) return { engine: 'sqlite', path: file[1]! };
  const expected = 'expected file:<path to the SQLite file> or postgres://user:password@host:5432/database';
  // The value may hold a password: say what it starts with, not all of it.
  const shown = `${databaseUrl.slice(0, 12)}…`;
  if (isPostgresUrl(databaseUrl)) {
    let named: ReturnType<typeof namedIn>;
    try {
      named = namedIn(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL', `${expected} (not a URL node-postgres can read: percent-encode # / ? in the password as %23 %2F %3F)`, shown);
    }
    // Neither a host nor a database: a URL cut short rather than one meant to take every default.
    if (!named.host && !named.database) throw new ConfigError('DATABASE_URL', expected, shown);
    // libpq's list of hosts to fail over between; node-postgres would look the whole list up as one name.
    if (named.host?.includes(',')) {
      throw new ConfigError(
        'DATABASE_URL',
        `expected one host: node-postgres does not take libpq's list of several (${named.host}); give the primary's address (a managed endpoint, or the virtual IP of Patroni or a proxy)`,
        shown,
      );
    }
    return { engine: 'postgres', url: databaseUrl };
  }
  throw new ConfigError('DATABASE_URL', expected, shown);
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const appId = nonEmpty(env, 'FEISHU_APP_ID');
  if (appId === undefined) throw new ConfigError('FEISHU_APP_ID', 'required: the bot app\'s App ID (cli_…)');
  if (!/^cli_[A-Za-z0-9]+$/.test(appId)) throw new ConfigError('FEISHU_APP_ID', 'expected an App ID like cli_a1b2c3d4e5f60718', appId);
  const eventMode = (nonEmpty(env, 'EVENT_MODE') ?? 'webhook').toLowerCase();
  if (eventMode !== 'webhook' && eventMode !== 'ws' && eventMode !== 'both') {
    throw new ConfigError('EVENT_MODE', 'expected webhook, ws or both', eventMode);
  }
  // WSClient.start() silently never connects with any other app id (FEISHU-NOTES §3).
  if (eventMode !== 'webhook' && !/^cli_[0-9a-fA-F]{16}$/.test(appId)) {
    throw new ConfigError('FEISHU_APP_ID', `expected cli_ and 16 hex digits for the long connection (EVENT_MODE=${eventMode})`, appId);
  }
  const appSecret = nonEmpty(env, 'FEISHU_APP_SECRET');
  if (appSecret === undefined) throw new ConfigError('FEISHU_APP_SECRET', 'required: the bot app\'s App Secret');

  const portText = nonEmpty(env, 'PORT') ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new ConfigError('PORT', 'expected an integer from 0 to 65535', portText);

  const database = databaseFrom(env);

  const timezone = nonEmpty(env, 'TIMEZONE') ?? 'Asia/Shanghai';
  if (!isTimeZone(timezone)) throw new ConfigError('TIMEZONE', 'expected an IANA time zone such as Asia/Shanghai', timezone);

  const chatIds = (env.NOTIFY_CHAT_IDS ?? '').split(',').map((id) => id.trim()).filter((id) => id !== '');
  for (const id of chatIds) {
    if (!CHAT_ID.test(id)) throw new ConfigError('NOTIFY_CHAT_IDS', 'expected comma-separated chat ids like oc_…', id);
  }

  const modeText = nonEmpty(env, 'TEAM_ROUTING')?.toLowerCase();
  if (modeText !== undefined && !TEAM_ROUTING_MODES.includes(modeText as TeamRoutingMode)) {
    throw new ConfigError('TEAM_ROUTING', `expected ${TEAM_ROUTING_MODES.join(' or ')}`, modeText);
  }
  const mode = teamRoutingMode(modeText, chatIds);

  const domain = parseDomain(nonEmpty(env, 'FEISHU_DOMAIN') ?? 'feishu');
  const configFile = nonEmpty(env, 'CONFIG_FILE');
  let file = emptyConfigFile(chatIds, mode);
  if (configFile !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configFile, 'utf8'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
      throw new ConfigError('CONFIG_FILE', `expected a readable JSON file (${reason})`, configFile);
    }
    try {
      file = parseConfigFile(json, chatIds, mode);
    } catch (error) {
      throw new ConfigError('CONFIG_FILE', `${configFile}: ${(error as Error).message}`);
    }
  }

  const logLevel = (nonEmpty(env, 'LOG_LEVEL') ?? 'info').toLowerCase() as Level;
  if (!LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected one of ${LEVELS.join(', ')}`, logLevel);

  return {
    logLevel,
    metricsToken: nonEmpty(env, 'METRICS_TOKEN'),
    eventMode,
    wsPingTimeoutSeconds: positiveInteger(env, 'WS_PING_TIMEOUT_SECONDS', 10, 3600),
    appId,
    appSecret,
    encryptKey: nonEmpty(env, 'FEISHU_ENCRYPT_KEY'),
    verificationToken: nonEmpty(env, 'FEISHU_VERIFICATION_TOKEN'),
    openPlatformUrl: domain.url,
    brand: domain.brand,
    port,
    database,
    instanceId: nonEmpty(env, 'INSTANCE_ID') ?? `${hostname()}:${process.pid}`,
    senderLeaseMs: positiveInteger(env, 'SENDER_LEASE_SECONDS', 5, 300) * 1000,
    // Two at least: one for the transaction that stores events, one for everything else meanwhile.
    databasePoolSize: positiveInteger(env, 'DATABASE_POOL_SIZE', 10, 100, 2),
    timezone,
    routing: file.routing,
    timeZoneOverrides: file.timeZones,
    attendanceZones: onOff(env, 'ATTENDANCE_ZONES', true),
    templatesDir: templatesDir(env),
    builderTemplates: file.builderTemplates,
    delivery: deliverySettings(env),
    directoryTtl: {
      membersMs: positiveInteger(env, 'CHAT_MEMBERS_TTL_MINUTES', 10, 7 * 24 * 60) * 60_000,
      orgMs: positiveInteger(env, 'DIRECTORY_TTL_HOURS', 24, 24 * 30) * 60 * 60_000,
    },
  };
}

/** Every configured secret, for the logger to scrub. */
export function secretsOf(config: Config): string[] {
  let databasePassword: string | undefined;
  if (config.database.engine === 'postgres') {
    // In the URL's user part or its ?password= (databaseFrom checked that pg can read it).
    databasePassword = namedIn(config.database.url).password;
  }
  return [config.appSecret, config.encryptKey, config.verificationToken, config.metricsToken, databasePassword].filter((s): s is string => !!s);
}

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, secretsOf } from '../src/config.js';

const base = { FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'secret-value-123' };

function configFile(json: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'routing.json');
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

describe('settings', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      eventMode: 'webhook',
      wsPingTimeoutSeconds: 10,
      port: 3000,
      database: { engine: 'sqlite', path: './data/bot.sqlite' },
      timezone: 'Asia/Shanghai',
      openPlatformUrl: 'https://open.feishu.cn',
      brand: 'feishu',
      encryptKey: undefined,
      verificationToken: undefined,
    });
    expect(config.routing.defaultChatIds).toEqual([]);
  });

  it('reads every setting', () => {
    const config = loadConfig({
      ...base,
      FEISHU_ENCRYPT_KEY: 'ek',
      FEISHU_VERIFICATION_TOKEN: 'vt',
      FEISHU_DOMAIN: 'lark',
      PORT: '8080',
      DATABASE_URL: 'file:/var/lib/bot/db.sqlite',
      NOTIFY_CHAT_IDS: ' oc_a , oc_b,,',
      TIMEZONE: 'Europe/Berlin',
      EVENT_MODE: 'Both',
      WS_PING_TIMEOUT_SECONDS: '30',
    });
    expect(config).toMatchObject({
      eventMode: 'both',
      wsPingTimeoutSeconds: 30,
      encryptKey: 'ek',
      verificationToken: 'vt',
      openPlatformUrl: 'https://open.larksuite.com',
      brand: 'lark',
      port: 8080,
      database: { engine: 'sqlite', path: '/var/lib/bot/db.sqlite' },
      timezone: 'Europe/Berlin',
    });
    expect(config.routing.defaultChatIds).toEqual(['oc_a', 'oc_b']);
    expect(loadConfig({ ...base, FEISHU_DOMAIN: 'http://127.0.0.1:9000/' }).openPlatformUrl).toBe('http://127.0.0.1:9000');
  });

  it('has Feishu\'s limits as delivery defaults, and reads every delivery setting', () => {
    expect(loadConfig(base).delivery).toEqual({
      concurrency: 10,
      timeoutMs: 10_000,
      horizonMs: 24 * 3600_000,
      digestThreshold: 5,
      limits: { appPerSecond: 50, appPerMinute: 1000, perChatPerSecond: 5, perUserPerSecond: 5, marginMs: 5 },
    });
    const delivery = loadConfig({
      ...base,
      SEND_CONCURRENCY: '4',
      SEND_TIMEOUT_MS: '2500',
      RETRY_HORIZON_HOURS: '2',
      DIGEST_THRESHOLD: '8',
      RATE_LIMIT_APP_PER_SECOND: '20',
      RATE_LIMIT_APP_PER_MINUTE: '600',
      RATE_LIMIT_CHAT_PER_SECOND: '3',
      RATE_LIMIT_USER_PER_SECOND: '2',
    }).delivery;
    expect(delivery).toEqual({
      concurrency: 4,
      timeoutMs: 2500,
      horizonMs: 2 * 3600_000,
      digestThreshold: 8,
      limits: { appPerSecond: 20, appPerMinute: 600, perChatPerSecond: 3, perUserPerSecond: 2, marginMs: 5 },
    });
  });

  it('takes a PostgreSQL URL for several instances, and keeps its password out of the logs', () => {
    const config = loadConfig({ FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 's', DATABASE_URL: 'postgresql://bot:p%40ss@db:5432/bot', INSTANCE_ID: 'pod-1', SENDER_LEASE_SECONDS: '3' });
    expect(config.database).toEqual({ engine: 'postgres', url: 'postgresql://bot:p%40ss@db:5432/bot' });
    expect(config).toMatchObject({ instanceId: 'pod-1', senderLeaseMs: 3000, databasePoolSize: 10 });
    expect(loadConfig({ FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 's', DATABASE_POOL_SIZE: '3' }).databasePoolSize).toBe(3);
    expect(secretsOf(config)).toContain('p@ss');
  });

  it.each([
    ['postgres://bot:p%40ss@/bot?host=/run/postgresql', 'p@ss'],
    ['postgresql:///bot?host=/var/run/postgresql&user=bot&password=in-the-query', 'in-the-query'],
    ['postgres://%2Frun%2Fpostgresql/bot', undefined],
  ])('takes %s (PostgreSQL on a Unix socket) and keeps its password out of the logs', (url, password) => {
    const config = loadConfig({ FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'app-secret', DATABASE_URL: url });
    expect(config.database).toEqual({ engine: 'postgres', url });
    expect(secretsOf(config)).toEqual(password ? ['app-secret', password] : ['app-secret']);
  });

  it.each([
    [{ FEISHU_APP_ID: '' }, 'Invalid setting FEISHU_APP_ID: required'],
    [{ FEISHU_APP_ID: 'app123' }, 'Invalid setting FEISHU_APP_ID: expected an App ID like cli_'],
    [{ FEISHU_APP_SECRET: ' ' }, 'Invalid setting FEISHU_APP_SECRET: required'],
    [{ PORT: 'eighty' }, 'Invalid setting PORT: expected an integer from 0 to 65535, got "eighty"'],
    [{ PORT: '70000' }, 'Invalid setting PORT'],
    [{ DATABASE_POOL_SIZE: '1' }, 'Invalid setting DATABASE_POOL_SIZE: expected a whole number from 2 to 100, got "1"'],
    [{ DATABASE_POOL_SIZE: '500' }, 'Invalid setting DATABASE_POOL_SIZE: expected a whole number from 2 to 100, got "500"'],
    [{ DATABASE_URL: 'mysql://u:secret@db/bot' }, 'Invalid setting DATABASE_URL: expected file:<path to the SQLite file> or postgres://user:password@host:5432/database, got "mysql://u:se…"'],
    [{ DATABASE_URL: 'postgres://' }, 'Invalid setting DATABASE_URL: expected file:<path'],
    [{ DATABASE_URL: 'postgres://bot:secret@db:port/bot' }, 'Invalid setting DATABASE_URL: expected file:<path to the SQLite file> or postgres://user:password@host:5432/database (not a URL node-postgres can read: percent-encode # / ? in the password as %23 %2F %3F), got "postgres://b…"'],
    [{ DATABASE_URL: 'postgres://bot@db1,db2/bot?target_session_attrs=read-write' }, "Invalid setting DATABASE_URL: expected one host: node-postgres does not take libpq's list of several (db1,db2); give the primary's address"],
    [{ DATABASE_URL: 'postgres://bot:pa#ss@db/bot' }, '(not a URL node-postgres can read: percent-encode # / ? in the password as %23 %2F %3F), got "postgres://b…"'],
    [{ TIMEZONE: 'Asia/Atlantis' }, 'Invalid setting TIMEZONE: expected an IANA time zone'],
    [{ NOTIFY_CHAT_IDS: 'oc_a,team-chat' }, 'Invalid setting NOTIFY_CHAT_IDS: expected comma-separated chat ids like oc_…, got "team-chat"'],
    [{ FEISHU_DOMAIN: 'ftp://x' }, 'Invalid setting FEISHU_DOMAIN: expected an http or https URL'],
    [{ FEISHU_DOMAIN: 'feishu.cn' }, 'Invalid setting FEISHU_DOMAIN: expected feishu, lark or a base URL'],
    [{ EVENT_MODE: 'websocket' }, 'Invalid setting EVENT_MODE: expected webhook, ws or both, got "websocket"'],
    [{ EVENT_MODE: 'ws', FEISHU_APP_ID: 'cli_demo' }, 'Invalid setting FEISHU_APP_ID: expected cli_ and 16 hex digits for the long connection (EVENT_MODE=ws), got "cli_demo"'],
    [{ EVENT_MODE: 'both', FEISHU_APP_ID: 'cli_a1b2c3d4e5f6071z' }, 'Invalid setting FEISHU_APP_ID: expected cli_ and 16 hex digits'],
    [{ WS_PING_TIMEOUT_SECONDS: '0' }, 'Invalid setting WS_PING_TIMEOUT_SECONDS'],
    [{ SEND_CONCURRENCY: '0' }, 'Invalid setting SEND_CONCURRENCY: expected a whole number from 1 to 1000, got "0"'],
    [{ RATE_LIMIT_APP_PER_SECOND: '2.5' }, 'Invalid setting RATE_LIMIT_APP_PER_SECOND: expected a whole number'],
    [{ SEND_TIMEOUT_MS: 'soon' }, 'Invalid setting SEND_TIMEOUT_MS'],
    [{ RETRY_HORIZON_HOURS: '-1' }, 'Invalid setting RETRY_HORIZON_HOURS'],
    [{ DIGEST_THRESHOLD: '' + 10_000 }, 'Invalid setting DIGEST_THRESHOLD'],
    [{ LOG_LEVEL: 'verbose' }, 'Invalid setting LOG_LEVEL: expected one of debug, info, warn, error, got "verbose"'],
    [{ ATTENDANCE_ZONES: 'maybe' }, 'Invalid setting ATTENDANCE_ZONES: expected on or off, got "maybe"'],
    [{ TEMPLATES_DIR: '/nonexistent/templates' }, 'Invalid setting TEMPLATES_DIR: expected an existing folder of card templates'],
    [{ CONFIG_FILE: '/nonexistent/routing.json' }, 'Invalid setting CONFIG_FILE: expected a readable JSON file (file not found)'],
  ])('stops on %j with one line naming the setting', (env, message) => {
    let error: unknown;
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('never repeats a secret back in an error', () => {
    expect(() => loadConfig({ ...base, FEISHU_APP_SECRET: undefined })).toThrow(/FEISHU_APP_SECRET/);
    try {
      loadConfig({ ...base, PORT: 'x' });
    } catch (e) {
      expect((e as Error).message).not.toContain(base.FEISHU_APP_SECRET);
    }
  });
});

describe('CONFIG_FILE routing', () => {
  it('reads time-zone overrides and card-builder templates', () => {
    const path = configFile({
      time_zones: { u_1: 'Asia/Tokyo', ou_2: 'Europe/Berlin' },
      card_templates: { 'shift.team': { template_id: 'AAq', template_version_name: '1.0.0' } },
    });
    const config = loadConfig({ ...base, CONFIG_FILE: path });
    expect([...config.timeZoneOverrides]).toEqual([['u_1', 'Asia/Tokyo'], ['ou_2', 'Europe/Berlin']]);
    expect(config.builderTemplates).toEqual({ 'shift.team': { templateId: 'AAq', templateVersionName: '1.0.0' } });
    expect(config.attendanceZones).toBe(true);
    expect(loadConfig({ ...base, ATTENDANCE_ZONES: 'off' }).attendanceZones).toBe(false);
  });

  it('routes by approval_code and switches kinds off per chat', () => {
    const path = configFile({ routes: { 'APPROVAL-1': ['oc_ops', 'oc_hr'] }, chats: { oc_hr: { shift: false, remedy: true } } });
    const { routing } = loadConfig({ ...base, NOTIFY_CHAT_IDS: 'oc_all', CONFIG_FILE: path });
    expect(routing.routes.get('APPROVAL-1')).toEqual(['oc_ops', 'oc_hr']);
    expect([...routing.kindsOff.get('oc_hr')!]).toEqual(['shift']);
  });

  it('switches the attendance kinds off per chat too: leave, out, overtime, trip', () => {
    const path = configFile({ chats: { oc_hr: { leave: false, out: true, overtime: false, trip: false }, oc_ops: { remedy: false } } });
    const { routing } = loadConfig({ ...base, NOTIFY_CHAT_IDS: 'oc_hr,oc_ops', CONFIG_FILE: path });
    expect([...routing.kindsOff.get('oc_hr')!]).toEqual(['leave', 'overtime', 'trip']);
    expect([...routing.kindsOff.get('oc_ops')!]).toEqual(['remedy']);
  });

  it.each([
    ['{oops', /expected a readable JSON file/],
    [{ route: {} }, /unknown key "route"/],
    [{ routes: { A: 'oc_x' } }, /routes\["A"\] must be an array of chat ids/],
    [{ routes: { A: ['chat'] } }, /routes\["A"\] must be an array of chat ids/],
    [{ chats: { team: {} } }, /chats key "team" is not a chat id/],
    [{ chats: { oc_x: { vacation: false } } }, /chats\["oc_x"\]\.vacation must be a kind \(remedy, shift, leave, out, overtime, trip\)/],
    [{ chats: { oc_x: { shift: 'no' } } }, /chats\["oc_x"\]\.shift must be a kind/],
    [{ time_zones: { u_1: 'Mars/Base' } }, /time_zones\["u_1"\] must be an IANA time zone such as Asia\/Tokyo, got "Mars\/Base"/],
    [{ card_templates: { 'remedy.manager': {} } }, /card_templates key "remedy\.manager" is not one of/],
    [{ card_templates: { 'remedy.team': { template_id: 'x' } } }, /card_templates\["remedy\.team"\] must be \{"template_id"/],
  ])('refuses %j with the place of the problem', (json, message) => {
    expect(() => loadConfig({ ...base, CONFIG_FILE: configFile(json) })).toThrow(message);
  });
});

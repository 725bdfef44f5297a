// The start-up summary: what runs and where, and a warning for each setting that is probably a mistake.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startupSummary, type StartupFacts } from '../src/startup-summary.js';
import type { StoreInfo } from '../src/store/store.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APP = { FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'secret-secret' };
const COMPLETE = { ...APP, FEISHU_ENCRYPT_KEY: 'key-key-key', FEISHU_VERIFICATION_TOKEN: 'token-token', NOTIFY_CHAT_IDS: 'oc_team1,oc_team2' };
const STORE: StoreInfo = { engine: 'sqlite', location: '/var/lib/bot/bot.sqlite', schemaVersion: 2, migrated: [], migratedFrom: 2 };

const summary = (env: Record<string, string>, more: Partial<StartupFacts> = {}) =>
  startupSummary({ version: '1.2.3', config: loadConfig(env), store: STORE, listen: '0.0.0.0:3000', ...more });

describe('the start-up summary', () => {
  it('states version, event mode, address, database and schema, team chats and routing, templates, zone', async () => {
    const { fields, warnings } = summary({ ...COMPLETE, TIMEZONE: 'Asia/Tokyo' });
    expect(warnings).toEqual([]);
    expect(fields).toMatchObject({
      version: '1.2.3',
      eventMode: 'webhook',
      listen: '0.0.0.0:3000',
      webhook: '/webhook/event',
      database: { path: '/var/lib/bot/bot.sqlite', schemaVersion: 2 },
      teamChats: 2,
      routing: 'TEAM_ROUTING=members: the NOTIFY_CHAT_IDS chats (2) the employee is in',
      templates: 'built-in',
      timezone: 'Asia/Tokyo',
    });
  });

  it('says how team chats are chosen, and warns when every chat sees everyone\'s approvals', async () => {
    const all = summary({ ...COMPLETE, TEAM_ROUTING: 'all' });
    expect(all.fields.routing).toBe('TEAM_ROUTING=all: every NOTIFY_CHAT_IDS chat (2)');
    expect(all.warnings).toEqual([expect.stringContaining('TEAM_ROUTING=all with 2 team chats: every chat sees every employee\'s approvals')]);
  });

  it('says which migrations this start applied', async () => {
    const { fields } = summary(COMPLETE, { store: { ...STORE, migratedFrom: 0, migrated: ['1 inbox and outbox tables', '2 one outbox layout'] } });
    expect(fields.database).toEqual({ path: STORE.location, schemaVersion: 2, migratedFrom: 0, migrations: ['1 inbox and outbox tables', '2 one outbox layout'] });
  });

  it('warns when the webhook has no verification token and no encrypt key, and when there is no team chat', async () => {
    const { warnings } = summary(APP);
    expect(warnings).toEqual([
      expect.stringMatching(/^FEISHU_VERIFICATION_TOKEN is not set: /),
      expect.stringMatching(/^FEISHU_ENCRYPT_KEY is not set: webhook events arrive unencrypted and unsigned/),
      expect.stringMatching(/^no team chats: NOTIFY_CHAT_IDS is empty/),
    ]);
  });

  it('does not warn about webhook secrets when events come only over the long connection', async () => {
    const { warnings, fields } = summary({ ...APP, NOTIFY_CHAT_IDS: 'oc_team', EVENT_MODE: 'ws' });
    expect(warnings).toEqual([]);
    expect(fields).not.toHaveProperty('webhook');
  });

  it('names the files of TEMPLATES_DIR that override, and warns about those that match no template', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    writeFileSync(join(dir, 'remedy.team.json'), '{}');
    const { fields, warnings } = summary({ ...COMPLETE, TEMPLATES_DIR: dir }, { templateFiles: ['remedy.team.json', 'remedy-team.json', 'README.md'] });
    expect(fields.templates).toEqual({ dir, overrides: ['remedy.team.json'] });
    expect(warnings).toEqual([
      `TEMPLATES_DIR ${dir}: README.md matches no template and is not used (template files are remedy.employee.json, remedy.team.json, shift.employee.json, shift.team.json, leave.employee.json, leave.team.json, out.employee.json, out.team.json, overtime.employee.json, overtime.team.json, trip.employee.json, trip.team.json).`,
      expect.stringContaining(': remedy-team.json matches no template and is not used'),
    ]);
  });
});

// What an operator needs to see at start: what this bot is, where it listens and keeps its data,
// where cards go and how they look — and the settings that are probably a mistake.
import { TEMPLATE_KEYS } from './cards/templates.js';
import type { Config } from './config.js';
import type { StoreInfo } from './store/store.js';

export interface StartupFacts {
  version: string;
  config: Config;
  store: StoreInfo;
  /** The address the HTTP server is bound to. */
  listen: string;
  /** The files in TEMPLATES_DIR, when it is set. */
  templateFiles?: readonly string[];
}

export interface StartupSummary {
  fields: Record<string, unknown>;
  warnings: string[];
}

const TEMPLATE_FILES = TEMPLATE_KEYS.map((key) => `${key}.json`);

export function startupSummary({ version, config, store, listen, templateFiles }: StartupFacts): StartupSummary {
  const warnings: string[] = [];
  const webhook = config.eventMode !== 'ws';
  const { routing } = config;
  const teamChats = new Set([
    ...routing.defaultChatIds,
    ...[...routing.routes.values(), ...routing.departments.values(), ...routing.attendanceGroups.values()].flat(),
  ]);

  // The long connection is authenticated by the app secret; token and key only guard the webhook.
  if (webhook && config.verificationToken === undefined) {
    warnings.push('FEISHU_VERIFICATION_TOKEN is not set: webhook events are not checked for the app\'s token. Copy it from the console\'s Events & Callbacks > Encryption Strategy page.');
  }
  if (webhook && config.encryptKey === undefined) {
    warnings.push('FEISHU_ENCRYPT_KEY is not set: webhook events arrive unencrypted and unsigned, so a forged request cannot be told from Feishu\'s. Set an Encrypt Key in the console and here.');
  }
  if (routing.mode === 'all' && routing.defaultChatIds.length > 1) {
    warnings.push(`TEAM_ROUTING=all with ${routing.defaultChatIds.length} team chats: every chat sees every employee's approvals. Set TEAM_ROUTING=members to send each chat only its members' cards.`);
  }
  if (teamChats.size === 0) {
    warnings.push('no team chats: NOTIFY_CHAT_IDS is empty and CONFIG_FILE routes no approval to a chat, so only employees get cards. Add the bot to the team\'s group chat and list its oc_… id in NOTIFY_CHAT_IDS.');
  }
  const overrides = (templateFiles ?? []).filter((f) => TEMPLATE_FILES.includes(f)).sort();
  for (const file of (templateFiles ?? []).filter((f) => !TEMPLATE_FILES.includes(f)).sort()) {
    warnings.push(`TEMPLATES_DIR ${config.templatesDir}: ${file} matches no template and is not used (template files are ${TEMPLATE_FILES.join(', ')}).`);
  }

  const fields: Record<string, unknown> = {
    version,
    eventMode: config.eventMode,
    listen,
    ...(webhook ? { webhook: '/webhook/event' } : {}),
    database: {
      ...(store.engine === 'postgres' ? { engine: 'postgres', instance: config.instanceId, senderLeaseSeconds: config.senderLeaseMs / 1000 } : {}),
      path: store.location,
      schemaVersion: store.schemaVersion,
      ...(store.migrated.length ? { migratedFrom: store.migratedFrom, migrations: store.migrated } : {}),
    },
    teamChats: teamChats.size,
    routing: describeRouting(routing),
    templates: config.templatesDir === undefined ? 'built-in' : { dir: config.templatesDir, overrides: overrides.length ? overrides : 'none (all built-in)' },
    ...(Object.keys(config.builderTemplates).length ? { builderTemplates: Object.keys(config.builderTemplates).sort() } : {}),
    timezone: config.timezone,
    openPlatform: config.openPlatformUrl,
  };
  return { fields, warnings };
}

/** How team chats are chosen, in words: the routing part of the start-up line. */
export function describeRouting(routing: StartupFacts['config']['routing']): string {
  const parts = [
    routing.mode === 'all'
      ? `TEAM_ROUTING=all: every NOTIFY_CHAT_IDS chat (${routing.defaultChatIds.length})`
      : `TEAM_ROUTING=members: the NOTIFY_CHAT_IDS chats (${routing.defaultChatIds.length}) the employee is in`,
  ];
  if (routing.departments.size) parts.push(`+ ${routing.departments.size} departments`);
  if (routing.attendanceGroups.size) parts.push(`+ ${routing.attendanceGroups.size} attendance groups`);
  if (routing.routes.size) parts.push(`; ${routing.routes.size} approval-code routes win where they match`);
  return parts.join(' ');
}

// CONFIG_FILE: routing, per-employee time zones, and card-builder templates, checked as a whole.
import { TEMPLATE_KEYS, type TemplateKey } from './cards/templates.js';
import { isTimeZone } from './cards/time.js';
import { isObject } from './ingest/envelope.js';
import { parseRoutingFile, type Routing, type TeamRoutingMode } from './routing.js';

export type { TemplateKey };

export interface BuilderTemplate {
  templateId: string;
  /** Pinned, so that an edit in the card builder does not change live cards unannounced. */
  templateVersionName: string;
}

export interface ConfigFile {
  routing: Routing;
  /** user_id or open_id → IANA zone, overriding the attendance group's zone. */
  timeZones: ReadonlyMap<string, string>;
  /** Kinds × audiences sent as Feishu card-builder templates instead of templates/. */
  builderTemplates: Partial<Record<TemplateKey, BuilderTemplate>>;
}

const KEYS = ['routes', 'chats', 'departments', 'attendance_groups', 'time_zones', 'card_templates'];

export function emptyConfigFile(defaultChatIds: readonly string[], mode: TeamRoutingMode = 'all'): ConfigFile {
  return {
    routing: { defaultChatIds, mode, routes: new Map(), departments: new Map(), attendanceGroups: new Map(), kindsOff: new Map() },
    timeZones: new Map(),
    builderTemplates: {},
  };
}

export function parseConfigFile(json: unknown, defaultChatIds: readonly string[], mode: TeamRoutingMode = 'all'): ConfigFile {
  if (!isObject(json)) throw new Error('must be a JSON object');
  for (const key of Object.keys(json)) {
    if (!KEYS.includes(key)) throw new Error(`unknown key "${key}" (known: ${KEYS.join(', ')})`);
  }
  const timeZones = new Map<string, string>();
  if (json.time_zones !== undefined) {
    if (!isObject(json.time_zones)) throw new Error('time_zones must map user_id or open_id to an IANA zone');
    for (const [user, zone] of Object.entries(json.time_zones)) {
      if (typeof zone !== 'string' || !isTimeZone(zone)) {
        throw new Error(`time_zones["${user}"] must be an IANA time zone such as Asia/Tokyo, got ${JSON.stringify(zone)}`);
      }
      timeZones.set(user, zone);
    }
  }
  const builderTemplates: ConfigFile['builderTemplates'] = {};
  if (json.card_templates !== undefined) {
    if (!isObject(json.card_templates)) throw new Error('card_templates must map "remedy.employee" etc. to {template_id, template_version_name}');
    for (const [key, value] of Object.entries(json.card_templates)) {
      if (!TEMPLATE_KEYS.includes(key as TemplateKey)) {
        throw new Error(`card_templates key "${key}" is not one of ${TEMPLATE_KEYS.join(', ')}`);
      }
      if (
        !isObject(value) ||
        typeof value.template_id !== 'string' ||
        value.template_id === '' ||
        typeof value.template_version_name !== 'string' ||
        value.template_version_name === ''
      ) {
        throw new Error(`card_templates["${key}"] must be {"template_id": "…", "template_version_name": "1.0.0"}`);
      }
      builderTemplates[key as TemplateKey] = { templateId: value.template_id, templateVersionName: value.template_version_name };
    }
  }
  return { routing: parseRoutingFile(json, defaultChatIds, mode), timeZones, builderTemplates };
}

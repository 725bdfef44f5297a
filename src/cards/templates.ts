// Loads the card templates of templates/ (one per kind × audience) and checks them once at start-up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApprovalKindName, Recipient } from '../approvals/types.js';
import { isObject, type Json } from '../ingest/envelope.js';

export type Audience = Recipient['audience'];
export type TemplateKey = `${ApprovalKindName}.${Audience}`;
export type CardTemplates = Record<TemplateKey, Json>;

export const BUILT_IN_TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** The variables each kind offers its templates; anything else in `{{…}}` is a template error. */
export const TEMPLATE_VARIABLES: Record<ApprovalKindName, readonly string[]> = {
  remedy: ['time', 'datetime', 'zone', 'reason', 'instance_code', 'employee_id', 'pc_url', 'mobile_url'],
  shift: ['dates', 'shift_datetime', 'return_datetime', 'zone', 'reason', 'instance_code', 'employee_id', 'pc_url', 'mobile_url'],
};

export const TEMPLATE_KEYS: readonly TemplateKey[] = ['remedy.employee', 'remedy.team', 'shift.employee', 'shift.team'];

export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export class TemplateError extends Error {}

function* strings(node: unknown, path: string): Generator<[string, string]> {
  if (typeof node === 'string') yield [node, path];
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* strings(item, `${path}[${i}]`);
  else if (isObject(node)) for (const [key, value] of Object.entries(node)) yield* strings(value, `${path}.${key}`);
}

export function checkTemplate(key: TemplateKey, template: unknown, file: string): Json {
  const fail = (what: string) => new TemplateError(`template ${file}: ${what}`);
  if (!isObject(template)) throw fail('is not a JSON object');
  if (template.schema !== '2.0') throw fail('schema must be "2.0" (Feishu card JSON 2.0)');
  if (!isObject(template.header)) throw fail('has no header object');
  if (!isObject(template.body) || !Array.isArray(template.body.elements)) throw fail('has no body.elements array');
  const known = TEMPLATE_VARIABLES[key.split('.')[0] as ApprovalKindName];
  for (const [text, path] of strings(template, '$')) {
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (!known.includes(match[1]!)) {
        throw fail(`unknown variable {{${match[1]}}} at ${path}; known: ${known.join(', ')}`);
      }
    }
  }
  return template;
}

export function loadTemplates(dir: string = BUILT_IN_TEMPLATES_DIR): CardTemplates {
  const templates = {} as CardTemplates;
  for (const key of TEMPLATE_KEYS) {
    const file = join(dir, `${key}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new TemplateError(`template ${file}: cannot be read`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new TemplateError(`template ${file}: invalid JSON (${(error as Error).message})`);
    }
    templates[key] = checkTemplate(key, parsed, file);
  }
  return templates;
}

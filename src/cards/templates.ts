// Loads the card templates of templates/ (one per kind × audience) and checks them once at start-up.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { approvalKinds, kindNamed } from '../approvals/index.js';
import type { ApprovalKind, ApprovalKindName, Recipient } from '../approvals/types.js';
import { isObject, type Json } from '../ingest/envelope.js';
import { EMPLOYEE_NAME_MAX_CHARS } from './card.js';
import { LOCALES, localizedNames } from './locales.js';
import { PLACEHOLDER, renderTemplate, resolveSections, SECTION_MARK, type Variables } from './render.js';

/** Feishu refuses card content over 30 KB. */
const CARD_LIMIT_BYTES = 30_000;
/** Every template must fit this many reason characters of the worst kind (each escapes to 5 bytes). */
export const WORST_CASE_REASON_CHARS = 1000;

export type Audience = Recipient['audience'];
export type TemplateKey = `${ApprovalKindName}.${Audience}`;
export type CardTemplates = Record<TemplateKey, Json>;

/** templates/ at the package root, found from this module whether it runs as source or bundled in dist/. */
export const BUILT_IN_TEMPLATES_DIR = packageDir(dirname(fileURLToPath(import.meta.url)), 'templates');

function packageDir(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, name))) return join(dir, name) + '/';
    if (dirname(dir) === dir) throw new Error(`no ${name}/ directory above ${from}`);
  }
}

/** The variables every kind offers (src/cards/card.ts). */
export const COMMON_VARIABLES: readonly string[] = ['zone', 'team_zone', 'reason', 'instance_code', 'employee_id', 'employee_name', 'pc_url', 'mobile_url'];

const byKind = <T>(value: (kind: ApprovalKind) => T) => Object.fromEntries(approvalKinds.map((k) => [k.kind, value(k)])) as Record<ApprovalKindName, T>;

/** The variables each kind offers its templates, its own and then the common ones; anything else in `{{…}}` is a template error. */
export const TEMPLATE_VARIABLES: Record<ApprovalKindName, readonly string[]> = byKind((k) => {
  const localized = new Set(k.templateVariables.localized ?? []);
  return [...k.templateVariables.names.flatMap((name) => (localized.has(name) ? localizedNames(name) : [name])), ...COMMON_VARIABLES];
});

/** The list variables (one item per line) each kind offers for `"$each"`. */
export const LIST_VARIABLES: Record<ApprovalKindName, readonly string[]> = byKind((k) => k.templateVariables.lists ?? []);

/** Each template must use these: a card without its headline or its time is no confirmation. */
export const REQUIRED_VARIABLES: Record<ApprovalKindName, readonly string[]> = byKind((k) => k.templateVariables.required);

export const TEMPLATE_KEYS: readonly TemplateKey[] = approvalKinds.flatMap((k) => (['employee', 'team'] as const).map((a): TemplateKey => `${k.kind}.${a}`));

export class TemplateError extends Error {}

/** Every string of a template, with its place and whether it is inside an `"$each"` element (where `{{item}}` exists). */
function* strings(node: unknown, path: string, inEach = false): Generator<[string, string, boolean]> {
  if (typeof node === 'string') yield [node, path, inEach];
  else if (Array.isArray(node)) for (const [i, item] of node.entries()) yield* strings(item, `${path}[${i}]`, inEach);
  else if (isObject(node)) {
    const each = inEach || typeof node.$each === 'string';
    for (const [key, value] of Object.entries(node)) yield* strings(value, `${path}.${key}`, key === '$each' ? inEach : each);
  }
}

/** Values as long as they get, for the size check: a reason of markup characters, long ids and zones. */
export function worstCaseVariables(kind: ApprovalKindName): Variables {
  const datetime = '2026-10-25 02:30 (GMT+10:30)';
  const url = 'https://applink.feishu.cn/client/mini_program/open?appId=cli_9cb844403dbb9108&mode=appCenter&path=' + 'x'.repeat(160);
  const vars: Variables = {
    zone: 'America/Argentina/ComodRivadavia',
    team_zone: 'America/Argentina/ComodRivadavia',
    reason: '<'.repeat(WORST_CASE_REASON_CHARS),
    instance_code: 'I'.repeat(64),
    employee_id: 'ou_' + 'f'.repeat(61),
    employee_name: '<'.repeat(EMPLOYEE_NAME_MAX_CHARS),
    pc_url: url,
    mobile_url: url,
  };
  const own = kindNamed(kind).templateVariables;
  for (const [name, value] of Object.entries(own.worstCase)) {
    vars[name] = value;
    if (own.localized?.includes(name)) for (const locale of LOCALES) vars[`${name}_${locale}`] = value;
  }
  for (const name of TEMPLATE_VARIABLES[kind]) vars[name] ??= datetime;
  return vars;
}

function jsonErrorPlace(text: string, error: Error): string {
  const position = Number(/position (\d+)/.exec(error.message)?.[1]);
  if (!Number.isFinite(position)) return error.message;
  const before = text.slice(0, position).split('\n');
  return `line ${before.length}, column ${before.at(-1)!.length + 1}: ${error.message}`;
}

export function parseTemplate(key: TemplateKey, text: string, file: string): Json {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new TemplateError(`template ${file}: invalid JSON at ${jsonErrorPlace(text, error as Error)}`);
  }
  return checkTemplate(key, parsed, file);
}

export function checkTemplate(key: TemplateKey, template: unknown, file: string): Json {
  const fail = (place: string, what: string) => new TemplateError(`template ${file}: ${place}: ${what}`);
  if (!isObject(template)) throw fail('$', 'is not a JSON object');
  if (template.schema !== '2.0') throw fail('$.schema', 'must be "2.0" (Feishu card JSON 2.0)');
  if (!isObject(template.header)) throw fail('$.header', 'is missing or not an object');
  if (!isObject(template.body) || !Array.isArray(template.body.elements)) throw fail('$.body.elements', 'is missing or not an array');
  const kind = key.split('.')[0] as ApprovalKindName;
  const used = new Set<string>();
  for (const [text, path, inEach] of strings(template, '$')) {
    const known = inEach ? [...TEMPLATE_VARIABLES[kind], 'item'] : TEMPLATE_VARIABLES[kind];
    if (path.endsWith('.$each')) {
      const lists = LIST_VARIABLES[kind];
      if (!lists.includes(text)) throw fail(path, `names "${text}", which is not a list; lists: ${lists.join(', ') || 'none for this kind'}`);
      continue;
    }
    const condition = /\.\$(if|unless)$/.exec(path);
    if (condition) {
      if (!known.includes(text)) throw fail(path, `names unknown variable "${text}"; known: ${known.join(', ')}`);
      continue;
    }
    for (const match of text.matchAll(SECTION_MARK)) {
      if (!known.includes(match[2]!)) throw fail(path, `section {{${match[1]}${match[2]}}} names unknown variable "${match[2]}"; known: ${known.join(', ')}`);
    }
    const unpaired = new RegExp(SECTION_MARK.source).exec(resolveSections(text, () => true));
    if (unpaired) throw fail(path, `${unpaired[0]} has no ${unpaired[0].includes('/') ? 'opening' : 'closing'} mark`);
    for (const match of text.matchAll(PLACEHOLDER)) {
      if (!known.includes(match[1]!)) throw fail(path, `unknown variable {{${match[1]}}}; known: ${known.join(', ')}`);
      used.add(match[1]!);
    }
  }
  const missing = REQUIRED_VARIABLES[kind].filter((name) => !used.has(name));
  if (missing.length > 0) throw fail('$', `required variable${missing.length > 1 ? 's' : ''} ${missing.map((m) => `{{${m}}}`).join(', ')} not used`);
  const size = Buffer.byteLength(JSON.stringify(renderTemplate(template, worstCaseVariables(kind))));
  if (size > CARD_LIMIT_BYTES) {
    throw fail('$', `renders to ${size} bytes for a worst-case sample (a ${WORST_CASE_REASON_CHARS}-character reason); Feishu takes at most ${CARD_LIMIT_BYTES}`);
  }
  return template;
}

/** The built-in templates, each replaced by the file of the same name in `overrideDir` if there is one. */
export function loadTemplates(overrideDir?: string): CardTemplates {
  const templates = {} as CardTemplates;
  for (const key of TEMPLATE_KEYS) {
    const override = overrideDir === undefined ? undefined : join(overrideDir, `${key}.json`);
    const file = override !== undefined && existsSync(override) ? override : join(BUILT_IN_TEMPLATES_DIR, `${key}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new TemplateError(`template ${file}: cannot be read`);
    }
    templates[key] = parseTemplate(key, text, file);
  }
  return templates;
}

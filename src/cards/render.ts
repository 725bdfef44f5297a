// Renders a card template with variables. Substitution happens inside parsed JSON strings, so no
// value can break the JSON. User-supplied values are escaped where they land in markdown; values
// elsewhere (plain_text, URLs, ids) are shown literally by Feishu and go in as they are, and so do
// the values the bot computes itself (times, links).
//
// Two kinds of condition: `$if` / `$unless` on an array element keep or drop the whole element;
// inside any string, `{{#name}}…{{/name}}` keeps its text only when `name` is non-empty and
// `{{^name}}…{{/name}}` only when it is empty (Mustache's sections, without lists or lambdas), so a
// plain string such as a title or the chat-list summary can read differently with and without a
// value. A template without sections renders as before.
//
// Some values read differently per language (a leave type, a duration): such a variable comes as
// `name` (zh_cn) with `name_zh_cn`, `name_en_us` and `name_ja_jp`, and `{{name}}` inside an
// `i18n_content` entry takes that entry's locale, so one template string per locale just says
// `{{duration}}`. A list variable holds one item per line; an array element with
// `"$each": "name"` is repeated for each item, with the item as `{{item}}` (a person element per
// fellow traveller, for instance).
import { isObject, type Json } from '../ingest/envelope.js';
import { escapeMarkdown } from './escape.js';
import { isLocale, localizedNames, type Locale } from './locales.js';

export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** `{{#name}}`, `{{^name}}` and `{{/name}}`: a section's opening, inverted opening and closing marks. */
export const SECTION_MARK = /\{\{\s*([#^/])\s*([A-Za-z0-9_]+)\s*\}\}/g;
const SECTION = /\{\{\s*([#^])\s*([A-Za-z0-9_]+)\s*\}\}([\s\S]*?)\{\{\s*\/\s*\2\s*\}\}/g;

export type Variables = Record<string, string>;

const MARKDOWN_TAGS = new Set(['markdown', 'lark_md']);

/** Variables whose values come from the event, i.e. from users: never trusted in markdown. */
export const USER_TEXT_VARIABLES: ReadonlySet<string> = new Set([
  'reason',
  'instance_code',
  'employee_id',
  'employee_name',
  // an item of a list variable (ids of people)
  'item',
  // names and places from the event, per locale
  ...['leave_type', 'out_type', 'overtime_type'].flatMap(localizedNames),
  'legs',
  'route',
]);

/** The items of a list variable: one per line. */
export function listItems(value: string | undefined): string[] {
  return (value ?? '').split('\n').filter((item) => item !== '');
}

/**
 * Resolves the sections of a string: each keeps its text when `keep(sign, name)` says so, else
 * vanishes. Repeated so that a section inside another (of a different name) resolves too.
 */
export function resolveSections(text: string, keep: (sign: '#' | '^', name: string) => boolean): string {
  for (;;) {
    const next = text.replace(SECTION, (_, sign: '#' | '^', name: string, inner: string) => (keep(sign, name) ? inner : ''));
    if (next === text) return text;
    text = next;
  }
}

function substitute(text: string, vars: Variables, markdown: boolean, locale: Locale | undefined): string {
  const valueOf = (name: string) => (locale === undefined ? undefined : vars[`${name}_${locale}`]) ?? vars[name] ?? '';
  const chosen = text.includes('{{') ? resolveSections(text, (sign, name) => (sign === '#') === Boolean(valueOf(name))) : text;
  return chosen.replace(PLACEHOLDER, (_, name: string) => {
    const value = valueOf(name);
    return markdown && USER_TEXT_VARIABLES.has(name) ? escapeMarkdown(value) : value;
  });
}

/** `$if` / `$unless` name a variable: the element stays only when it is non-empty / empty. */
function included(node: Json, vars: Variables): boolean {
  if (typeof node.$if === 'string' && !vars[node.$if]) return false;
  if (typeof node.$unless === 'string' && vars[node.$unless]) return false;
  return true;
}

const DIRECTIVES = new Set(['$if', '$unless', '$each']);

function renderNode(node: unknown, vars: Variables, markdown: boolean, locale: Locale | undefined): unknown {
  if (typeof node === 'string') return substitute(node, vars, markdown, locale);
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (const item of node) {
      if (!isObject(item)) out.push(renderNode(item, vars, markdown, locale));
      else if (!included(item, vars)) continue;
      else if (typeof item.$each === 'string') {
        for (const value of listItems(vars[item.$each])) out.push(renderNode(item, { ...vars, item: value }, markdown, locale));
      } else out.push(renderNode(item, vars, markdown, locale));
    }
    return out;
  }
  if (isObject(node)) {
    const inMarkdown = markdown || (typeof node.tag === 'string' && MARKDOWN_TAGS.has(node.tag));
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (DIRECTIVES.has(key)) continue;
      if (key === 'i18n_content' && isObject(value)) {
        // Each entry reads the variables in its own language.
        out[key] = Object.fromEntries(
          Object.entries(value).map(([entry, text]) => [entry, renderNode(text, vars, inMarkdown, isLocale(entry) ? entry : locale)]),
        );
      } else out[key] = renderNode(value, vars, inMarkdown, locale);
    }
    return out;
  }
  return node;
}

export function renderTemplate(template: Json, vars: Variables): Json {
  return renderNode(template, vars, false, undefined) as Json;
}

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
import { isObject, type Json } from '../ingest/envelope.js';
import { escapeMarkdown } from './escape.js';

export const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** `{{#name}}`, `{{^name}}` and `{{/name}}`: a section's opening, inverted opening and closing marks. */
export const SECTION_MARK = /\{\{\s*([#^/])\s*([A-Za-z0-9_]+)\s*\}\}/g;
const SECTION = /\{\{\s*([#^])\s*([A-Za-z0-9_]+)\s*\}\}([\s\S]*?)\{\{\s*\/\s*\2\s*\}\}/g;

export type Variables = Record<string, string>;

const MARKDOWN_TAGS = new Set(['markdown', 'lark_md']);

/** Variables whose values come from the event, i.e. from users: never trusted in markdown. */
export const USER_TEXT_VARIABLES: ReadonlySet<string> = new Set(['reason', 'instance_code', 'employee_id', 'employee_name']);

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

function substitute(text: string, vars: Variables, markdown: boolean): string {
  const chosen = text.includes('{{') ? resolveSections(text, (sign, name) => (sign === '#') === Boolean(vars[name])) : text;
  return chosen.replace(PLACEHOLDER, (_, name: string) => {
    const value = vars[name] ?? '';
    return markdown && USER_TEXT_VARIABLES.has(name) ? escapeMarkdown(value) : value;
  });
}

/** `$if` / `$unless` name a variable: the element stays only when it is non-empty / empty. */
function included(node: Json, vars: Variables): boolean {
  if (typeof node.$if === 'string' && !vars[node.$if]) return false;
  if (typeof node.$unless === 'string' && vars[node.$unless]) return false;
  return true;
}

function renderNode(node: unknown, vars: Variables, markdown: boolean): unknown {
  if (typeof node === 'string') return substitute(node, vars, markdown);
  if (Array.isArray(node)) {
    return node.filter((item) => !isObject(item) || included(item, vars)).map((item) => renderNode(item, vars, markdown));
  }
  if (isObject(node)) {
    const inMarkdown = markdown || (typeof node.tag === 'string' && MARKDOWN_TAGS.has(node.tag));
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$if' || key === '$unless') continue;
      out[key] = renderNode(value, vars, inMarkdown);
    }
    return out;
  }
  return node;
}

export function renderTemplate(template: Json, vars: Variables): Json {
  return renderNode(template, vars, false) as Json;
}

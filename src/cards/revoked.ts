// A sent card edited in place into its revoked state (通过并撤销): grey header, "revoked" in the
// title and the chat-list preview, a note first, the old text struck through, the buttons kept.
// It works on the rendered card, so a TEMPLATES_DIR card gets it too; what it does not understand
// it leaves as it is. It is idempotent: an edit may be replayed, or rendered again after a crash.
import { isObject, type Json } from '../ingest/envelope.js';
import { CARD_MAX_BYTES, type RenderedCard } from './card.js';
import { isLocale, type Localized } from './locales.js';

export const REVOKED_PREFIX: Localized = { zh_cn: '已撤销 · ', en_us: 'Revoked: ', ja_jp: '取り消し済み · ' };
export const REVOKED_NOTE: Localized = {
  zh_cn: '**此审批已撤销**，以下内容不再有效。',
  en_us: '**This approval was revoked**; what follows no longer applies.',
  ja_jp: '**この承認は取り消されました**。以下の内容は無効です。',
};
/** The note's element_id: how a second pass knows the card already has it. */
export const REVOKED_NOTE_ID = 'revoked_note';

/**
 * Whether `card` can be turned into its revoked state: a card JSON 2.0 with a body. A card-builder
 * template (`{"type":"template", …}`) cannot: its text lives in Feishu, so the caller falls back to
 * the built-in template for the edit.
 */
export function isTransformable(card: Json): boolean {
  return card.type !== 'template' && card.schema === '2.0' && isObject(card.body) && Array.isArray(card.body.elements);
}

/**
 * What is given up, in this order, when the revoked card would exceed CARD_MAX_BYTES. The original
 * was fitted to the limit with no margin (fitReason), so a long reason can push the revoked card
 * over: then its struck lines are cut (the longest, the reason's, gives way), then its text stays
 * unstruck (many short lines: the strikes are what costs; the note says it all), then the text
 * goes (buttons and people stay), then everything but the note.
 */
const LEVELS = ['struck', 'cut', 'unstruck', 'no-text', 'note-only'] as const;
type Level = (typeof LEVELS)[number];

const fits = (card: Json) => Buffer.byteLength(JSON.stringify(card)) <= CARD_MAX_BYTES;

/** A rendering in its revoked state, with the content to send (the CLI shows what the bot sends). */
export function revokedRendering(rendered: RenderedCard): RenderedCard {
  const card = revokedCard(rendered.card);
  return { card, content: JSON.stringify(card) };
}

/**
 * The revoked state of a rendered card; a card that is not transformable comes back unchanged.
 * The result is at most CARD_MAX_BYTES as long as its header and the note alone are.
 */
export function revokedCard(card: Json): Json {
  if (!isTransformable(card)) return card;
  let out: Json = card;
  for (const level of LEVELS) {
    out = level === 'cut' ? cutToFit(card) ?? out : transform(card, level);
    if (fits(out)) return out;
  }
  return out;
}

/** The struck card with each line cut to the most code points that fit (binary search), if any do. */
function cutToFit(card: Json): Json | undefined {
  let lo = 1;
  let hi = JSON.stringify(card).length;
  let best: Json | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const attempt = transform(card, 'cut', mid);
    if (fits(attempt)) {
      best = attempt;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best;
}

function transform(original: Json, level: Level, maxLineChars = Infinity): Json {
  const card = structuredClone(original);
  const config = isObject(card.config) ? card.config : {};
  // Feishu requires update_multi before and after an edit.
  card.config = { ...config, update_multi: true };
  if (isObject(config.summary)) prefixText(config.summary);
  if (isObject(card.header)) {
    card.header.template = 'grey';
    if (isObject(card.header.title)) prefixText(card.header.title);
  }
  const body = card.body as { elements: unknown[] };
  const rest = isNote(body.elements[0]) ? body.elements.slice(1) : body.elements;
  const kept = level === 'struck' || level === 'cut' ? rest.map((e) => strikeElement(e, maxLineChars))
    : level === 'unstruck' ? rest
    : level === 'no-text' ? rest.filter((e) => !hasText(e))
    : [];
  body.elements = [noteElement(), ...kept];
  return card;
}

function noteElement(): Json {
  return { tag: 'markdown', element_id: REVOKED_NOTE_ID, content: REVOKED_NOTE.zh_cn, i18n_content: { ...REVOKED_NOTE } };
}

function isNote(element: unknown): boolean {
  return isObject(element) && element.element_id === REVOKED_NOTE_ID;
}

/** Prefixes a text's `content` (zh_cn's prefix) and each of its `i18n_content` (another locale: en_us's). */
function prefixText(text: Json): void {
  const prefix = (value: string, locale: string) => {
    const p = REVOKED_PREFIX[isLocale(locale) ? locale : 'en_us'];
    return value.startsWith(p) ? value : p + value;
  };
  if (typeof text.content === 'string') text.content = prefix(text.content, 'zh_cn');
  if (isObject(text.i18n_content)) {
    for (const [locale, value] of Object.entries(text.i18n_content)) {
      if (typeof value === 'string') text.i18n_content[locale] = prefix(value, locale);
    }
  }
}

/** Text a reader sees as markdown: a markdown element, or a div's lark_md text. */
function markdownTextOf(element: Json): Json | undefined {
  if (element.tag === 'markdown') return element;
  if (element.tag === 'div' && isObject(element.text) && element.text.tag === 'lark_md') return element.text;
  return undefined;
}

function hasText(element: unknown): boolean {
  if (Array.isArray(element)) return element.some(hasText);
  if (!isObject(element)) return false;
  if (element.tag === 'markdown' || element.tag === 'div') return true;
  return hasText(element.elements) || hasText(element.columns);
}

/** Strikes the markdown of an element and of the elements it contains (columns, panels, forms). */
function strikeElement(element: unknown, maxLineChars: number): unknown {
  if (!isObject(element)) return element;
  const text = markdownTextOf(element);
  if (text) {
    if (typeof text.content === 'string') text.content = strikeMarkdown(text.content, maxLineChars);
    if (isObject(text.i18n_content)) {
      for (const [locale, value] of Object.entries(text.i18n_content)) {
        if (typeof value === 'string') text.i18n_content[locale] = strikeMarkdown(value, maxLineChars);
      }
    }
    return element;
  }
  for (const key of ['elements', 'columns']) {
    const children = element[key];
    if (Array.isArray(children)) element[key] = children.map((child) => strikeElement(child, maxLineChars));
  }
  return element;
}

// A line's block markers (heading, list item, quote) stay outside the strike, or the line would
// lose its shape; fences, rules and blank lines are left alone.
const BLOCK_MARKERS = /^((?:\s*(?:#{1,6}|[-*+]|\d+[.)]|>)\s+)*\s*)(.*?)(\s*)$/;
const FENCE = /^\s*(```|~~~)/;
const RULE = /^\s*(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|<hr\s*\/?>)\s*$/i;

/**
 * Each non-empty line as `~~line~~`. Our user text is escaped to numeric character references
 * (escape.ts), so it holds no `~`. A template's own `~~` inside the line is dropped first: nested
 * strikes would end the strike early, and the whole line is struck anyway. That also makes it
 * idempotent: a struck line strikes to itself. A line longer than `maxLineChars` code points is
 * cut, marked with "…", never inside a numeric character reference.
 */
export function strikeMarkdown(markdown: string, maxLineChars = Infinity): string {
  let inFence = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (FENCE.test(line)) {
        inFence = !inFence;
        return line;
      }
      if (inFence || RULE.test(line)) return line;
      const [, markers, body, trailing] = BLOCK_MARKERS.exec(line)!;
      const inner = cut(body!.replaceAll('~~', '').trim(), maxLineChars);
      // Markdown wants the delimiters next to text; tildes alone (a rule of `~`) stay as they are.
      if (inner.trim() === '' || /^~+$/.test(inner)) return line;
      return `${markers}~~${inner}~~${trailing}`;
    })
    .join('\n');
}

function cut(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  // A reference cut short (`&#6`) would show as text: cut before it.
  return points.slice(0, Math.max(0, max - 1)).join('').replace(/&#?\d*$/, '') + '…';
}

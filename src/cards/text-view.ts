// A readable text view of a card as a client in one locale would show it (demo and CLI output).
import { isObject, type Json } from '../ingest/envelope.js';
import type { Locale } from './locales.js';

export type { Locale };

function decodeReferences(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)));
}

function localized(text: unknown, locale: Locale): string {
  if (!isObject(text)) return '';
  const i18n = isObject(text.i18n_content) ? text.i18n_content : {};
  const value = i18n[locale] ?? text.content ?? '';
  return typeof value === 'string' ? value : '';
}

function describeElements(elements: unknown, locale: Locale, lines: string[]): void {
  if (!Array.isArray(elements)) return;
  for (const element of elements) {
    if (!isObject(element)) continue;
    switch (element.tag) {
      case 'markdown':
      case 'div':
        for (const line of decodeReferences(localized(element.tag === 'div' ? element.text : element, locale)).split('\n')) {
          lines.push(`  ${line}`);
        }
        break;
      case 'person':
        lines.push(`  👤 ${String(element.user_id)} (shown by name, not mentioned)`);
        break;
      case 'button': {
        const behavior = Array.isArray(element.behaviors) && isObject(element.behaviors[0]) ? element.behaviors[0] : {};
        lines.push(`  [${localized(element.text, locale)}] → ${String(behavior.pc_url ?? behavior.default_url ?? '')}`);
        break;
      }
      default:
        describeElements(element.elements ?? element.columns, locale, lines);
    }
  }
}

export function describeCard(card: Json, locale: Locale): string[] {
  if (card.type === 'template' && isObject(card.data)) {
    const data = card.data;
    const vars = isObject(data.template_variable) ? data.template_variable : {};
    return [
      `  card builder template ${String(data.template_id)} @ ${String(data.template_version_name)}`,
      ...Object.entries(vars).map(([name, value]) => `  ${name} = ${decodeReferences(String(value))}`),
    ];
  }
  const header = isObject(card.header) ? card.header : {};
  const lines = [`  ${localized(header.title, locale)}`];
  describeElements(isObject(card.body) ? card.body.elements : undefined, locale, lines);
  return lines;
}

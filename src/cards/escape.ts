// User text in card markdown is hostile (FEISHU-NOTES §5): `<at id=all></at>` pings a whole chat,
// `[x](url)` links, `**` restyles, a bare URL may autolink, `&#60;` would decode into `<`.
// Every ASCII punctuation character becomes a numeric character reference, so no markdown,
// HTML-ish tag or entity can form; invisible control and bidi-override characters are dropped.

const PUNCTUATION = /[!-/:-@[-`{-~]/g;
// C0/C1 controls except tab and newline, and bidi embedding/override/isolate marks.
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;

export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(PUNCTUATION, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Cuts text to at most `max` code points, never inside a surrogate pair, marking the cut. */
export function shorten(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return points.slice(0, Math.max(0, max - 1)).join('') + '…';
}

// Controls (newlines and tabs included), bidi embeddings/overrides/isolates, line and paragraph separators.
const NOT_IN_A_LINE = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g;

/**
 * Text as one short line: a newline, a control or a bidi override must not reshape a title, a
 * summary or a list line it lands in. Cut to `max` code points; '' when nothing is left.
 */
export function oneLine(text: string, max: number): string {
  return shorten(text.replace(NOT_IN_A_LINE, ' ').replace(/\s+/g, ' ').trim(), max);
}

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

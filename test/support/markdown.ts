// The markdown strings of a card (content and each i18n text of markdown elements).
export function markdownStrings(card: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, inMarkdown: boolean) => {
    if (typeof node === 'string') {
      if (inMarkdown) out.push(node);
    } else if (Array.isArray(node)) node.forEach((n) => walk(n, inMarkdown));
    else if (node && typeof node === 'object') {
      const md = inMarkdown || (node as { tag?: unknown }).tag === 'markdown';
      for (const [key, value] of Object.entries(node)) if (key !== 'tag') walk(value, md);
    }
  };
  walk(card, false);
  return out;
}

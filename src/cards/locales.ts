// The card languages: every text on a card comes in these three (Feishu shows the reader's own).
export const LOCALES = ['zh_cn', 'en_us', 'ja_jp'] as const;
export type Locale = (typeof LOCALES)[number];
export type Localized = Record<Locale, string>;
/** Text in some of the locales: a locale without one shows a fallback. */
export type LocalizedText = Partial<Localized>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The same function of each locale, as one object. */
export function perLocale(text: (locale: Locale) => string): Localized {
  return { zh_cn: text('zh_cn'), en_us: text('en_us'), ja_jp: text('ja_jp') };
}

/** A localized template variable: `name` (zh_cn, for the plain `content` a client without a locale shows) and `name_<locale>` for each. */
export function localizedVariable(name: string, text: Localized): Record<string, string> {
  return { [name]: text.zh_cn, [`${name}_zh_cn`]: text.zh_cn, [`${name}_en_us`]: text.en_us, [`${name}_ja_jp`]: text.ja_jp };
}

/** `name` and its per-locale names. */
export function localizedNames(name: string): string[] {
  return [name, ...LOCALES.map((locale) => `${name}_${locale}`)];
}

/** Text in every locale: the event's where it has some, the neutral word elsewhere. */
export function neutralWhereMissing(text: LocalizedText, neutral: Localized): Localized {
  return perLocale((locale) => text[locale] ?? neutral[locale]);
}

// Golden cards: every kind × audience × locale, checked in as readable files under test/golden/.
// After an intended change: UPDATE_GOLDEN=1 npx vitest run test/cards/golden.tz.test.ts --project tz:UTC, then review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalKindName } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { renderDigest } from '../../src/cards/digest.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard, type Locale } from '../../src/cards/text-view.js';
import { GOLDEN_EVENTS } from './golden-events.js';

const GOLDEN = resolve(import.meta.dirname, '../golden');
const templates = loadTemplates();
// An employee in Tokyo, managers reading in Shanghai: every zone line shows.
const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const };
const EVENTS = GOLDEN_EVENTS;
const KINDS = Object.keys(EVENTS) as ApprovalKindName[];
const LOCALES: Locale[] = ['zh_cn', 'en_us', 'ja_jp'];
// The same, with the employee's name known (team cards and digests): `*.named.*` files.
const named = { ...ctx, employeeName: '张三' };

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden cards', () => {
  for (const kind of KINDS) {
    for (const audience of ['employee', 'team'] as const) {
      const { card } = renderCard(templates, EVENTS[kind], audience, ctx);
      it(`${kind}.${audience} card JSON`, () => golden(`${kind}.${audience}.json`, JSON.stringify(card, null, 2) + '\n'));
      for (const locale of LOCALES) {
        it(`${kind}.${audience} in ${locale}`, () => golden(`${kind}.${audience}.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
      }
    }
  }
  for (const kind of KINDS) {
    const { card } = renderCard(templates, EVENTS[kind], 'team', named);
    it(`${kind}.team card JSON, with the name`, () => golden(`${kind}.team.named.json`, JSON.stringify(card, null, 2) + '\n'));
    for (const locale of LOCALES) {
      it(`${kind}.team in ${locale}, with the name`, () => golden(`${kind}.team.named.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
    }
  }
  for (const locale of LOCALES) {
    it(`digest in ${locale}`, () => {
      const { card } = renderDigest([EVENTS.remedy, EVENTS.shift], ctx);
      golden(`digest.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
    it(`digest in ${locale}, with the names`, () => {
      const { card } = renderDigest([EVENTS.remedy, EVENTS.shift], (i) => ({ ...ctx, employeeName: ['张三', 'Li *Si*'][i] }));
      golden(`digest.named.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
    it(`digest of every kind in ${locale}, with and without names`, () => {
      const { card } = renderDigest(Object.values(EVENTS), (i) => ({ ...ctx, employeeName: i % 2 === 0 ? '张三' : undefined }));
      golden(`digest.kinds.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
  }
});

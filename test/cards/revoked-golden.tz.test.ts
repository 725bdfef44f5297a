// Golden revoked cards: each kind's team card after a revocation, in each locale, and a digest with
// one revoked row, checked in under test/golden/ (*.revoked.*).
// After an intended change: UPDATE_GOLDEN=1 npx vitest run test/cards/revoked-golden.tz.test.ts --project tz:UTC, then review the diff.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApprovalKindName } from '../../src/approvals/types.js';
import { renderCard } from '../../src/cards/card.js';
import { renderDigest } from '../../src/cards/digest.js';
import { revokedCard } from '../../src/cards/revoked.js';
import { loadTemplates } from '../../src/cards/templates.js';
import { describeCard, type Locale } from '../../src/cards/text-view.js';
import { GOLDEN_EVENTS } from './golden-events.js';

const GOLDEN = resolve(import.meta.dirname, '../golden');
const templates = loadTemplates();
// As in golden.tz.test.ts: an employee in Tokyo, managers reading in Shanghai, the name known.
const ctx = { zone: 'Asia/Tokyo', teamZone: 'Asia/Shanghai', brand: 'feishu' as const, employeeName: '张三' };
const KINDS = Object.keys(GOLDEN_EVENTS) as ApprovalKindName[];
const LOCALES: Locale[] = ['zh_cn', 'en_us', 'ja_jp'];

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, actual);
  expect(existsSync(file), `${name} is missing: run with UPDATE_GOLDEN=1 and review it`).toBe(true);
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

describe('golden revoked cards', () => {
  for (const kind of KINDS) {
    const card = revokedCard(renderCard(templates, GOLDEN_EVENTS[kind], 'team', ctx).card);
    it(`${kind}.team revoked, JSON`, () => golden(`${kind}.team.revoked.json`, JSON.stringify(card, null, 2) + '\n'));
    for (const locale of LOCALES) {
      it(`${kind}.team revoked, in ${locale}`, () => golden(`${kind}.team.revoked.${locale}.txt`, describeCard(card, locale).join('\n') + '\n'));
    }
  }
  for (const locale of LOCALES) {
    it(`digest with its second row revoked, in ${locale}`, () => {
      const { card } = renderDigest([GOLDEN_EVENTS.remedy, GOLDEN_EVENTS.shift, GOLDEN_EVENTS.leave], (i) => ({ ...ctx, employeeName: ['张三', 'Li *Si*', undefined][i] }), (i) => i === 1);
      golden(`digest.revoked.${locale}.txt`, describeCard(card, locale).join('\n') + '\n');
    });
  }
});

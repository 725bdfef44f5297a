// `cli deliveries` after a revocation: the edit names the card it edits, the revoked approval's
// cards say so, and a cancelled card shows why without calling it an error.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { deliveryTable } from '../../src/cli.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

it('lists edits, revoked cards and cancelled ones', async () => {
  const store = openSqliteStore(join(mkdtempSync(join(tmpdir(), 'table-')), 'bot.sqlite'));
  const base = { eventType: 'leave_approvalV2', kind: 'leave' as const, status: 'accepted' as const, payload: '{}', receivedAt: 0 };
  await store.recordEvent({ ...base, eventId: 'a1', instanceCode: 'I1' }, [{ audience: 'employee', receiveIdType: 'open_id', receiveId: 'ou_1', uuid: 'u1' }]);
  await store.recordEvent({ ...base, eventId: 'a2', instanceCode: 'I2' }, [{ audience: 'team', receiveIdType: 'chat_id', receiveId: 'oc_1', uuid: 'u2' }]);
  const [sent] = await store.deliveries({ eventId: 'a1' });
  await store.markAttempting(sent!.id, 1);
  await store.markSent(sent!.id, 'om_1', 2);
  for (const code of ['I1', 'I2']) await store.recordRevocation({ ...base, eventType: 'leave_approval_revert', action: 'revoke', eventId: `r-${code}`, instanceCode: code, receivedAt: 3 });
  const lines = deliveryTable(await store.deliveries(), 60_000).split('\n');
  await store.close();
  expect(lines[0]).toMatch(/^id\s+status\s+recipient\s+kind/);
  expect(lines.find((l) => l.includes('open_id:ou_1') && l.includes('leave/employee'))).toContain('approval revoked (r-I1)');
  expect(lines.find((l) => l.includes('leave/edit'))).toContain(`revoked: edits the card of delivery ${sent!.id}`);
  const cancelled = lines.find((l) => l.startsWith('2 '))!;
  expect(cancelled).toMatch(/cancelled/);
  expect(cancelled).toContain('approval revoked before this card was sent');
  expect(cancelled).not.toContain('error:');
});

// What npm run demo prints, as its tests read it.
import { expect } from 'vitest';

/** The leave's DM and its sales-chat card, edited into the revoked state; no message sent for it. */
export function expectLeaveRevoked(stdout: string): void {
  expect(stdout).toContain("the leave's 2 cards were edited in place (0 new messages):");
  const edited = stdout.split('\n── ').filter((block) => block.startsWith('edited card to '));
  expect(edited.map((block) => block.split(' (')[0])).toEqual(['edited card to chat_id oc_demo_sales', 'edited card to open_id ou_xxx']);
  for (const card of edited) {
    expect(card).toMatch(/已撤销 · 请假/);
    expect(card).toContain('Revoked: Leave');
    expect(card).toContain('~~**Reason:** 请假审批~~');
  }
}

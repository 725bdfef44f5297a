// Events as the store takes them, for tests that put rows in a database directly.
import type { NewEvent } from '../../src/store/store.js';

/** An accepted 换班 approval of its own instance, received at `receivedAt`. */
export const storedApproval = (eventId: string, receivedAt: number): NewEvent => ({
  eventId,
  eventType: 'shift_approval',
  kind: 'shift',
  instanceCode: `I-${eventId}`,
  status: 'accepted',
  payload: '{}',
  receivedAt,
});

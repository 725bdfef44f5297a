// The registry of approval kinds: adding a kind is one module here plus its templates.
import { remedy } from './remedy.js';
import { shift } from './shift.js';
import type { ApprovalKind, ApprovalKindName } from './types.js';

export const approvalKinds: readonly ApprovalKind[] = [remedy, shift];

const byEventType = new Map(approvalKinds.map((k) => [k.eventType, k]));
const byName = new Map(approvalKinds.map((k) => [k.kind, k]));

/** Event types are matched exactly after trimming white space. */
export function kindForEventType(eventType: string): ApprovalKind | undefined {
  return byEventType.get(eventType.trim());
}

export function kindNamed(name: ApprovalKindName): ApprovalKind {
  const kind = byName.get(name);
  if (!kind) throw new Error(`unknown approval kind ${name}`);
  return kind;
}

export type * from './types.js';

// The registry of approval kinds: adding a kind is one module here plus its templates. Everything
// that differs by kind — event types, parsing, who it is about, card variables, digest rows, the
// template files, CONFIG_FILE's `chats` switches — comes from this list.
import { leave } from './leave.js';
import { out } from './out.js';
import { overtime } from './overtime.js';
import { remedy } from './remedy.js';
import { shift } from './shift.js';
import { trip } from './trip.js';
import type { ApprovalKind, ApprovalKindName } from './types.js';

// Keyed by name so that the compiler insists on one module for every kind of event, and no other.
const registry = { remedy, shift, leave, out, overtime, trip } satisfies { [K in ApprovalKindName]: ApprovalKind & { kind: K } };

export const approvalKinds: readonly ApprovalKind[] = Object.values(registry);

/** Every kind's name, in registry order. */
export const KIND_NAMES: readonly ApprovalKindName[] = approvalKinds.map((k) => k.kind);

const byEventType = new Map(approvalKinds.flatMap((k) => k.eventTypes.map((type) => [type, k] as const)));

/** Event types are matched exactly after trimming white space. */
export function kindForEventType(eventType: string): ApprovalKind | undefined {
  return byEventType.get(eventType.trim());
}

export function kindNamed(name: ApprovalKindName): ApprovalKind {
  if (!isKindName(name)) throw new Error(`unknown approval kind ${name}`);
  return registry[name];
}

export function isKindName(name: string): name is ApprovalKindName {
  return Object.hasOwn(registry, name);
}

export type * from './types.js';

// Who gets a card for an event: the employee, and the team chats (NOTIFY_CHAT_IDS, or the chats
// CONFIG_FILE routes the event's approval_code to), less the chats that switched the kind off.
import { kindNamed } from './approvals/index.js';
import type { ApprovalEvent, ApprovalKindName, Recipient } from './approvals/types.js';
import { isObject } from './ingest/envelope.js';

export interface Routing {
  defaultChatIds: readonly string[];
  /** approval_code → chat ids, replacing the default chats for events of that approval. */
  routes: ReadonlyMap<string, readonly string[]>;
  /** chat id → kinds switched off for it. */
  kindsOff: ReadonlyMap<string, ReadonlySet<ApprovalKindName>>;
}

export const CHAT_ID = /^oc_[A-Za-z0-9_-]+$/;
const KINDS: readonly ApprovalKindName[] = ['remedy', 'shift'];

export function recipientsFor(event: ApprovalEvent, routing: Routing): Recipient[] {
  const routed = event.approvalCode !== undefined ? routing.routes.get(event.approvalCode) : undefined;
  const chats = [...new Set(routed ?? routing.defaultChatIds)].filter(
    (chat) => !routing.kindsOff.get(chat)?.has(event.kind),
  );
  return [
    kindNamed(event.kind).employee(event),
    ...chats.map((chat): Recipient => ({ audience: 'team', receiveIdType: 'chat_id', receiveId: chat })),
  ];
}

/** Parses the routing part (`routes`, `chats`) of CONFIG_FILE; throws with the JSON path of the first problem. */
export function parseRoutingFile(json: Record<string, unknown>, defaultChatIds: readonly string[]): Routing {
  const routes = new Map<string, string[]>();
  if (json.routes !== undefined) {
    if (!isObject(json.routes)) throw new Error('routes must map approval codes to arrays of chat ids');
    for (const [code, chats] of Object.entries(json.routes)) {
      if (!Array.isArray(chats) || !chats.every((c) => typeof c === 'string' && CHAT_ID.test(c))) {
        throw new Error(`routes["${code}"] must be an array of chat ids like "oc_…"`);
      }
      routes.set(code, chats as string[]);
    }
  }
  const kindsOff = new Map<string, Set<ApprovalKindName>>();
  if (json.chats !== undefined) {
    if (!isObject(json.chats)) throw new Error('chats must map chat ids to {"remedy": bool, "shift": bool}');
    for (const [chat, switches] of Object.entries(json.chats)) {
      if (!CHAT_ID.test(chat)) throw new Error(`chats key "${chat}" is not a chat id like "oc_…"`);
      if (!isObject(switches)) throw new Error(`chats["${chat}"] must be an object like {"shift": false}`);
      const off = new Set<ApprovalKindName>();
      for (const [kind, on] of Object.entries(switches)) {
        if (!KINDS.includes(kind as ApprovalKindName) || typeof on !== 'boolean') {
          throw new Error(`chats["${chat}"].${kind} must be a kind (${KINDS.join(', ')}) set to true or false`);
        }
        if (!on) off.add(kind as ApprovalKindName);
      }
      kindsOff.set(chat, off);
    }
  }
  return { defaultChatIds, routes, kindsOff };
}

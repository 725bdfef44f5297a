// Chat membership changes, as the stores keep them: a membership event is stored (as ignored, it
// sends nothing) with the chat's id as its payload, so that the instance that routes team cards —
// on PostgreSQL, whichever holds the sender lease — learns of a change Feishu pushed to another.

/** The membership events (subscribe to them for TEAM_ROUTING=members): they only refresh the member cache. */
export const CHAT_MEMBERSHIP_EVENTS: ReadonlySet<string> = new Set([
  'im.chat.member.user.added_v1',
  'im.chat.member.user.deleted_v1',
  'im.chat.member.user.withdrawn_v1',
  'im.chat.member.bot.added_v1',
  'im.chat.member.bot.deleted_v1',
  'im.chat.disbanded_v1',
]);

/**
 * The WHERE term of the stores' look for changes, word for word the predicate of their partial
 * index `events_chat_changes` (schema version 5), so both databases see that the index applies.
 * The migrations spell the list out: a migration must not change once shipped.
 */
export const CHAT_CHANGE_FILTER = `event_type IN (${[...CHAT_MEMBERSHIP_EVENTS].map((t) => `'${t}'`).join(', ')})`;

export interface ChatChange {
  eventId: string;
  chatId: string;
  /** When the event was received (the instances' common clock). */
  at: number;
}

/** The payload a membership event is stored with. */
export const chatChangePayload = (chatId: string) => JSON.stringify({ chat_id: chatId });

/** A stored membership event's change, or undefined for one stored without a chat id. */
export function chatChangeOf(row: { event_id: string; payload: string | null; received_at: number }): ChatChange | undefined {
  if (row.payload === null) return undefined;
  const chatId = (JSON.parse(row.payload) as { chat_id?: unknown }).chat_id;
  return typeof chatId === 'string' ? { eventId: row.event_id, chatId, at: Number(row.received_at) } : undefined;
}

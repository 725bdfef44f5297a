// Bursts of distinct approvals, and a count of where each one showed up in the sandbox.
import { describeCard } from '../../src/cards/text-view.js';
import type { SandboxMessage } from '../../src/sandbox/open-platform.js';
import { remedySeedEvent } from '../../src/sandbox/seed-events.js';
import { APP } from './harness.js';

export const codeOf = (i: number) => `R-${String(i).padStart(4, '0')}`;

/** `count` 补卡 approvals by `employees` employees, each with its own instance code. */
export function burst(count: number, employees: number, prefix = 'ev_burst') {
  return Array.from({ length: count }, (_, i) =>
    remedySeedEvent(
      { appId: APP.appId, token: APP.verificationToken, eventId: `${prefix}_${i}` },
      { instance_code: codeOf(i), employee_id: `u_${i % employees}`, remedy_time: 1_763_700_000_000 + i * 60_000, remedy_reason: `reason ${i}` },
    ),
  );
}

/** Posts every event until each is acknowledged with 200; `concurrency` at a time. */
export async function pushAll(post: (event: unknown) => Promise<Response>, events: readonly unknown[], concurrency = 10): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const event = events[next++];
      for (;;) {
        const response = await post(event).catch(() => undefined);
        if (response?.status === 200) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** How often each approval (by instance code) appears in DMs and in team-chat messages. */
export function sightings(messages: readonly SandboxMessage[]) {
  const dm = new Map<string, number>();
  const chat = new Map<string, number>();
  let chatMessages = 0;
  for (const message of messages) {
    const isChat = message.receiveIdType === 'chat_id';
    if (isChat) chatMessages++;
    const text = describeCard(message.card, 'en_us').filter((line) => !line.startsWith('  [')).join('\n');
    // Codes in link URLs (instanceId%3DR-0001) are not sightings.
    for (const [code] of text.matchAll(/(?<!%3D)R-\d{4}/g)) {
      const seen = isChat ? chat : dm;
      seen.set(code, (seen.get(code) ?? 0) + 1);
    }
  }
  return { dm, chat, chatMessages };
}

/** What keeps the codes 0..count-1 from being seen exactly once in DMs and once in chats ('' when nothing). */
export function deliveryProblems(messages: readonly SandboxMessage[], count: number): string {
  const { dm, chat } = sightings(messages);
  const problems: string[] = [];
  for (const [where, seen] of [['DM', dm], ['chat', chat]] as const) {
    const wrong = Array.from({ length: count }, (_, i) => codeOf(i)).filter((code) => seen.get(code) !== 1);
    if (wrong.length > 0) problems.push(`${where}: ${wrong.map((code) => `${code} ×${seen.get(code) ?? 0}`).join(', ')}`);
    if (seen.size > count) problems.push(`${where}: ${seen.size - count} unexpected codes`);
  }
  return problems.join('; ');
}

/** True when every code 0..count-1 was seen exactly once in DMs and exactly once in chats. */
export function exactlyOnce(messages: readonly SandboxMessage[], count: number): boolean {
  return deliveryProblems(messages, count) === '';
}

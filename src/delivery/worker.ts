// Sends the outbox. Picks due deliveries, keeps Feishu's rate limits (per app, per chat, per user)
// without letting one throttled recipient hold up the others, folds a team chat's backlog into a
// digest, and records every attempt before it leaves so that a crash can never turn a resend into
// a second message (the resend carries the same uuid; Feishu absorbs it).
import { createHash } from 'node:crypto';
import type { MessageSender, SendResult } from '../feishu/client.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics.js';
import type { ApprovalEvent } from '../approvals/types.js';
import { deliveryUuid } from '../ingest/ingest.js';
import type { Delivery, NewDelivery, Store } from '../store/store.js';
import { describeDecision, type TeamDecision } from '../teams/team-decision.js';
import type { MembershipFeed } from '../teams/membership-feed.js';
import type { TeamRouter } from '../teams/team-router.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { CardContents } from './card-content.js';
import { decide } from './errors.js';
import { FEISHU_RATE_LIMITS, SendRateLimiter, type RateLimits } from './rate-limit.js';

export interface WorkerOptions {
  /** Sends in flight at once. */
  concurrency: number;
  /** Longest sleep between looks at the outbox. */
  pollMs: number;
  backoff: BackoffOptions;
  /** After this long since the event arrived (or a re-queue), a failing delivery is given up. */
  horizonMs: number;
  limits: RateLimits;
  /** A team chat with more than this many cards waiting gets them as one digest. */
  digestThreshold: number;
  now: () => number;
}

export const DEFAULT_WORKER_OPTIONS: WorkerOptions = {
  concurrency: 10,
  pollMs: 1000,
  backoff: { baseMs: 1000, maxMs: 5 * 60_000 },
  horizonMs: 24 * 60 * 60_000,
  limits: FEISHU_RATE_LIMITS,
  digestThreshold: 5,
  now: Date.now,
};

/** Rows read per look at the outbox, per free slot: enough to skip throttled recipients, no more. */
const ROWS_PER_SLOT = 8;
const DIGEST_CANDIDATES = 90;

export interface WorkerDeps {
  store: Store;
  sender: MessageSender;
  cards: CardContents;
  log: Logger;
  metrics?: Pick<Metrics, 'delivery' | 'sentAfter' | 'rateLimitWait' | 'tokenRefresh'>;
  options?: Partial<WorkerOptions>;
  /** Decides team chats for route rows (events whose chats depend on who the employee is). */
  teams?: Pick<TeamRouter, 'route'>;
  /** Chat membership changes stored by any instance, applied to the member cache before routing. */
  membership?: Pick<MembershipFeed, 'sync'>;
}

export function digestUuid(chatId: string, members: readonly Delivery[]): string {
  return createHash('sha256')
    .update(`digest\n${chatId}\n${members.map((m) => m.uuid).join(',')}`)
    .digest('hex')
    .slice(0, 40);
}

const recipientKey = (d: Pick<Delivery, 'receiveIdType' | 'receiveId'>) => `${d.receiveIdType}:${d.receiveId}`;

export function createDeliveryWorker(deps: WorkerDeps) {
  const options = { ...DEFAULT_WORKER_OPTIONS, ...deps.options };
  const { store, sender, log } = deps;
  const limiter = new SendRateLimiter(options.limits);
  /** Recipients Feishu told to wait (429 / 230020), until when. */
  const cooldowns = new Map<string, number>();
  const inFlight = new Map<number, Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires. */
  let timerAt: number | undefined;
  let running = false;
  let lastPrune = 0;
  let kickScheduled = false;
  /** One look at the outbox at a time; a wake-up meanwhile makes one more look after it. */
  let pumping: Promise<void> | undefined;
  let pumpAgain = false;

  async function schedule(wakeAt: number): Promise<void> {
    if (!running) return;
    let due: number | undefined;
    try {
      due = await store.nextDueAt();
    } catch (error) {
      // The database is gone for now (disk, closed handle): try again after a poll, never crash.
      log.error('outbox could not be read', { error });
    }
    arm(Math.min(wakeAt, due ?? Infinity));
  }

  function arm(at: number): void {
    clearTimeout(timer);
    const now = options.now();
    const delay = Math.max(0, Math.min(options.pollMs, at - now));
    timerAt = now + delay;
    timer = setTimeout(() => {
      timerAt = undefined;
      pump();
    }, delay);
    timer.unref?.();
  }

  /**
   * Records a digest of the chat's waiting cards, when a slot to send to the chat has come up and
   * more than `digestThreshold` cards wait for it: the digest takes everything that piled up behind
   * the chat's rate limit (as much as fits one card) and goes out in that one slot.
   */
  async function fold(chatId: string, now: number): Promise<{ digest: Delivery; memberIds: number[] } | undefined> {
    const candidates = (await store.digestCandidates(chatId, now, DIGEST_CANDIDATES)).filter((d) => !inFlight.has(d.id));
    const members = deps.cards.digestMembers(candidates);
    if (members.length <= 1) return undefined;
    const memberIds = members.map((m) => m.id);
    const digest = await store.createDigest(chatId, memberIds, digestUuid(chatId, members), now);
    if (!digest) return undefined;
    log.info('digest recorded', { deliveryId: digest.id, chatId, members: members.length });
    return { digest, memberIds };
  }

  function pump(): void {
    if (!running) return;
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = pumpOnce()
      .catch((error) => log.error('outbox could not be read', { error }))
      .finally(() => {
        pumping = undefined;
        if (pumpAgain) {
          pumpAgain = false;
          pump();
        }
      });
  }

  async function pumpOnce(): Promise<void> {
    const now = options.now();
    let wakeAt = Infinity;
    const budget = limiter.appBudget(now);
    if (budget.free === 0 && Number.isFinite(budget.waitMs)) {
      // Nothing can be sent before the app's budget frees, whatever the outbox holds: no need to
      // ask it (under a burst every commit kicks the worker, and the budget is spent most of the time).
      const freesAt = now + budget.waitMs;
      if (timerAt === undefined || timerAt > freesAt) arm(freesAt);
      return;
    }
    try {
      if (now - lastPrune > 10_000) {
        limiter.prune(now);
        for (const [key, until] of cooldowns) if (until <= now) cooldowns.delete(key);
        lastPrune = now;
      }
      let slots = options.concurrency - inFlight.size;
      // Only as many rows as the app's budget can send now: under a burst the budget frees one
      // send at a time, and a full page per send (80 rows with their events) cost more CPU, here
      // and in the database, than the send itself. (No budget and an infinite wait: sends in
      // flight hold it, and their finish pumps again.)
      if (slots > 0 && budget.free > 0) {
        // A chat is folded at most once per pump, and asked about only when its card comes up.
        const folding = new Set<string>();
        const folded = new Set<number>();
        const page = Math.min(slots, budget.free) * ROWS_PER_SLOT;
        for (const row of await store.dueDeliveries(now, page, new Set(inFlight.keys()))) {
          if (folded.has(row.id)) continue; // just carried into a digest
          if (row.audience === 'route') {
            // Sends nothing: no send slot, no rate limit; its lookups have their own cache.
            const job = route(row)
              .catch((error) => log.error('team routing failed unexpectedly', { deliveryId: row.id, error }))
              .finally(() => {
                inFlight.delete(row.id);
                pump();
              });
            inFlight.set(row.id, job);
            if (--slots === 0) break;
            continue;
          }
          // An edit counts against its message's limit (5 edits/s) and the app's, not its recipient's.
          const key = row.audience === 'edit' ? `message:${row.targetId}` : recipientKey(row);
          const cooldown = cooldowns.get(key) ?? 0;
          if (cooldown > now) {
            wakeAt = Math.min(wakeAt, cooldown);
            continue; // this recipient waits; the others go on
          }
          const verdict = limiter.tryAcquire(key, row.audience !== 'edit' && row.receiveIdType === 'chat_id', now);
          if (!verdict.ok) {
            // Infinity: a send in flight holds the slot; its finish pumps again.
            if (Number.isFinite(verdict.waitMs)) wakeAt = Math.min(wakeAt, now + verdict.waitMs);
            if (verdict.scope === 'app') break;
            continue;
          }
          let delivery = row;
          if (
            row.audience === 'team' &&
            row.attempts === 0 &&
            !folding.has(row.receiveId) &&
            (await store.chatBacklogged(row.receiveId, now, options.digestThreshold + 1))
          ) {
            folding.add(row.receiveId);
            const digest = await fold(row.receiveId, now);
            if (digest) {
              digest.memberIds.forEach((id) => folded.add(id));
              delivery = digest.digest;
            }
          }
          const job = (delivery.audience === 'edit' ? edit(delivery, key) : deliver(delivery))
            // The store failed mid-delivery: the row stays as it was and is tried again.
            .catch((error) => log.error('delivery failed unexpectedly', { deliveryId: delivery.id, error }))
            .finally(() => {
              verdict.finish(options.now());
              inFlight.delete(delivery.id);
              pump();
            });
          inFlight.set(delivery.id, job);
          if (--slots === 0) break;
        }
      }
    } catch (error) {
      log.error('outbox could not be read', { error });
    }
    await schedule(wakeAt);
  }

  async function deliver(delivery: Delivery): Promise<void> {
    const fields = {
      deliveryId: delivery.id,
      eventId: delivery.eventId ?? undefined,
      instanceCode: delivery.instanceCode ?? undefined,
      audience: delivery.audience,
      receiveIdType: delivery.receiveIdType,
      attempt: delivery.attempts + 1,
    };
    // Recorded before anything is awaited: from here the delivery counts as possibly sent, so no
    // other pump can fold it into a digest while its card is being rendered, and after a crash it
    // is resent as itself. Not pending any more (a revocation cancelled it): nothing is sent.
    if (!(await store.markAttempting(delivery.id, options.now()))) {
      log.info('delivery cancelled before its send', fields);
      return;
    }
    // …and on disk before the request leaves; the card renders meanwhile.
    const attemptDurable = store.durable();
    attemptDurable.catch(() => undefined); // awaited below, unless rendering gives up first
    const giveUp = deadLetter(delivery.id, 'delivery dead', fields);
    let content: string;
    try {
      content = await deps.cards.content(delivery);
    } catch (error) {
      return giveUp(`card could not be rendered: ${(error as Error).message}`);
    }
    await attemptDurable;
    const result = await sender.sendCard({ receiveIdType: delivery.receiveIdType, receiveId: delivery.receiveId, content, uuid: delivery.uuid });
    if (!running && !result.ok) return; // shutting down: leave it pending for the next start
    const now = options.now();
    if (result.ok) {
      await store.markSent(delivery.id, result.messageId, now);
      deps.metrics?.delivery('sent');
      deps.metrics?.sentAfter((now - delivery.createdAt) / 1000);
      log.info('delivery sent', { ...fields, messageId: result.messageId, latencyMs: now - delivery.createdAt });
      return;
    }
    return failed(delivery, result, recipientKey(delivery), giveUp, 'delivery will be retried', fields);
  }

  /** Ends a delivery as dead with `reason`: counted, recorded, logged as `message`. */
  function deadLetter(id: number, message: string, fields: Record<string, unknown>) {
    return async (reason: string): Promise<void> => {
      deps.metrics?.delivery('dead');
      await store.markDead(id, reason, options.now());
      log.error(message, { ...fields, reason });
    };
  }

  /** A send or an edit Feishu refused or never answered: dead, a fresh token, or a retry after a backoff. */
  async function failed(
    row: Delivery,
    result: Extract<SendResult, { ok: false }>,
    key: string,
    giveUp: (reason: string) => Promise<void>,
    retryMessage: string,
    fields: Record<string, unknown>,
  ): Promise<void> {
    const now = options.now();
    const decision = decide(result);
    if (decision.action === 'dead') return giveUp(decision.reason);
    if (now - row.retryFrom >= options.horizonMs) {
      return giveUp(`gave up after ${Math.round(options.horizonMs / 60_000)} min: ${decision.reason}`);
    }
    let wait = backoffDelay(row.attempts, options.backoff);
    deps.metrics?.delivery('retried');
    if (decision.action === 'refresh-token') {
      deps.metrics?.tokenRefresh();
      sender.invalidateToken();
      // One immediate retry with a fresh token; a second token failure in a row backs off.
      if (!row.lastError?.startsWith('token:')) wait = 0;
    } else if (decision.rateLimited) {
      deps.metrics?.rateLimitWait();
      // Feishu says how long this recipient (or message) must wait; everything to it waits, not just this one.
      wait = Math.max(decision.retryAfterMs ?? 1000, wait);
      cooldowns.set(key, now + wait);
    }
    const reason = decision.action === 'refresh-token' ? `token: ${decision.reason}` : decision.reason;
    await store.markRetry(row.id, reason, now + wait, now);
    log.warn(retryMessage, { ...fields, reason, retryInMs: wait });
  }

  /**
   * Turns a sent card into its revoked state (PATCH of the target's message). The target not sent
   * yet (an attempt of it may still reach Feishu): wait for it. Never delivered (dead, cancelled):
   * there is nothing to edit. Replaying an edit renders and sends the same card: harmless.
   */
  async function edit(row: Delivery, key: string): Promise<void> {
    const fields = { deliveryId: row.id, eventId: row.eventId ?? undefined, audience: row.audience, targetId: row.targetId ?? undefined, attempt: row.attempts + 1 };
    if (!(await store.markAttempting(row.id, options.now()))) return;
    const target = row.targetId === null ? undefined : await store.delivery(row.targetId);
    const now = options.now();
    if (!target || target.status === 'dead' || target.status === 'cancelled') {
      const reason = !target ? 'the card to edit is gone' : `the card was never delivered (${target.status}): nothing to edit`;
      await store.markCancelled(row.id, reason, now);
      log.info('edit cancelled', { ...fields, reason });
      return;
    }
    if (target.status !== 'sent' || target.messageId === null) {
      // Waiting is not failing: no horizon here; the target's own horizon ends the wait.
      const wait = Math.max(options.backoff.baseMs, Math.min(target.nextAttemptAt - now, options.backoff.maxMs), 1000);
      await store.markRetry(row.id, `waiting for delivery ${target.id} to be sent`, now + wait, now);
      return;
    }
    const giveUp = deadLetter(row.id, 'edit dead', { ...fields, messageId: target.messageId });
    let content: string;
    try {
      content = await deps.cards.content(target);
    } catch (error) {
      return giveUp(`card could not be rendered: ${(error as Error).message}`);
    }
    const result = await sender.updateCard({ messageId: target.messageId, content });
    if (!running && !result.ok) return;
    const done = options.now();
    if (result.ok) {
      await store.markSent(row.id, target.messageId, done);
      deps.metrics?.delivery('sent');
      log.info('card edited', { ...fields, messageId: target.messageId, latencyMs: done - row.createdAt });
      return;
    }
    return failed(row, result, key, giveUp, 'edit will be retried', fields);
  }

  /**
   * Decides an event's team chats and records the decision with the team deliveries it makes, in
   * one transaction: after a crash before it, the decision is made again (nothing was sent); after
   * it, each chosen chat has its delivery, sent once like any other (its uuid is the event's and
   * the chat's).
   */
  async function route(row: Delivery): Promise<void> {
    const fields = { deliveryId: row.id, eventId: row.eventId ?? undefined, instanceCode: row.instanceCode ?? undefined, attempt: row.attempts + 1 };
    if (!(await store.markAttempting(row.id, options.now()))) return; // revoked meanwhile: cancelled
    const giveUp = deadLetter(row.id, 'team routing dead', fields);
    if (!deps.teams) return giveUp('team routing is not set up in this process');
    try {
      await deps.membership?.sync();
    } catch (error) {
      // The cached members are used as they are; they expire on their own (CHAT_MEMBERS_TTL_MINUTES).
      log.warn('chat membership changes could not be read; routing with the cached members', { ...fields, error });
    }
    let decision: TeamDecision;
    try {
      decision = await deps.teams.route(JSON.parse(row.payload ?? 'null') as ApprovalEvent);
    } catch (error) {
      return giveUp(`team routing failed: ${(error as Error).message}`);
    }
    if (!running && decision.outcome === 'retry') return; // shutting down: decided at the next start
    const now = options.now();
    if (decision.outcome === 'retry') {
      const reason = `lookup: ${decision.failure.message}`;
      if (now - row.retryFrom >= options.horizonMs) return giveUp(`gave up after ${Math.round(options.horizonMs / 60_000)} min: ${reason}`);
      const wait = Math.max(backoffDelay(row.attempts, options.backoff), decision.failure.retryAfterMs ?? 0);
      deps.metrics?.delivery('retried');
      await store.markRetry(row.id, reason, now + wait, now);
      log.warn('team routing will be retried', { ...fields, reason, retryInMs: wait });
      return;
    }
    const teams: NewDelivery[] = decision.sends.map((s) => {
      const recipient = { receiveIdType: 'chat_id' as const, receiveId: s.chatId };
      return { audience: 'team', ...recipient, uuid: deliveryUuid(row.eventId!, recipient), decision: s.why };
    });
    const scopes = [...new Set(decision.blocked.map((b) => b.scope ?? 'unnamed'))];
    const error = scopes.length === 0 ? null : `missing scope ${scopes.join(', ')}: chats that depend on it got no card; add it, then requeue this row`;
    const described = describeDecision(decision.verdicts);
    if (!(await store.recordRouting(row.id, teams, described, error, now))) return;
    log.info('team chats decided', { ...fields, chats: teams.map((t) => t.receiveId), decision: described });
    if (error) deps.metrics?.delivery('dead');
  }

  /**
   * Sends made before a restart still count at Feishu: their slots are taken again, as if each
   * answer came back a second after the send left (or now, if that is sooner), so that a quick
   * restart cannot burst past the limits.
   */
  async function rememberRecentSends(now: number): Promise<void> {
    const minuteAgo = now - 60_000 - options.limits.marginMs - 1000;
    for (const attempt of await store.recentAttempts(minuteAgo)) {
      const key = recipientKey(attempt);
      limiter.recordPast(key, attempt.receiveIdType === 'chat_id', Math.min(now, attempt.at + 1000));
    }
  }

  return {
    /** Starts sending, once the sends of the last minute (also by an earlier process) count against the limits. */
    async start(): Promise<void> {
      if (running) return;
      running = true;
      try {
        await rememberRecentSends(options.now());
      } catch (error) {
        log.error('recent sends could not be read; starting without them', { error });
      }
      pump();
    },
    /** Look at the outbox now (after new deliveries were stored). */
    kick(): void {
      // Many events in one burst make one look at the outbox, not one each.
      if (!running || kickScheduled) return;
      kickScheduled = true;
      setImmediate(() => {
        kickScheduled = false;
        pump();
      });
    },
    /** Stops picking new work and waits up to `graceMs` for sends in flight. */
    async stop(graceMs = 10_000): Promise<void> {
      running = false;
      clearTimeout(timer);
      let expired: NodeJS.Timeout | undefined;
      await pumping; // a look at the outbox under way ends before the store may close
      await Promise.race([
        Promise.allSettled([...inFlight.values()]),
        new Promise((resolve) => (expired = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(expired);
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;

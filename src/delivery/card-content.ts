// The card content for a delivery: one approval's card (from templates/ or the card builder), or a
// digest of several, with each employee's times in their own zone and, on cards for the team, the
// employee's name in the headline and the chat-list preview.
import { kindNamed } from '../approvals/index.js';
import type { ApprovalEvent } from '../approvals/types.js';
import type { Brand } from '../cards/approval-link.js';
import { renderBuilderCard, renderCard, type CardContext } from '../cards/card.js';
import { fitDigest, renderDigest } from '../cards/digest.js';
import { revokedRendering } from '../cards/revoked.js';
import type { CardTemplates } from '../cards/templates.js';
import type { BuilderTemplate, TemplateKey } from '../config-file.js';
import type { Delivery, Store } from '../store/store.js';
import type { EmployeeZones } from '../zones/employee-zones.js';

export interface CardContents {
  /** The content to send for a delivery (for a digest, of its recorded members). */
  content(delivery: Delivery): Promise<string>;
  /** Which of these candidates fit in one digest. */
  digestMembers(candidates: readonly Delivery[]): Delivery[];
}

export interface CardContentDeps {
  templates: CardTemplates;
  builderTemplates?: Partial<Record<TemplateKey, BuilderTemplate>>;
  zones: Pick<EmployeeZones, 'zoneFor'>;
  /** TIMEZONE */
  teamZone: string;
  brand: Brand;
  store: Pick<Store, 'digestMembers'>;
  /**
   * Display names for team cards and digests. Expected to answer from a cache and bound its own
   * lookups (like zoneFor); an unknown name, or a rejection, just leaves the name out.
   */
  names?: EmployeeNames;
}

export interface EmployeeNames {
  nameFor(employee: { userId?: string; openId?: string }): Promise<string | undefined>;
}

const eventOf = (delivery: Delivery) => JSON.parse(delivery.payload ?? 'null') as ApprovalEvent;

/** The day the approval is about, in the employee's calendar as far as it is known before the zone. */
export function approvalDay(event: ApprovalEvent, fallbackZone: string): string {
  return kindNamed(event.kind).day(event, fallbackZone);
}

export function cardContents(deps: CardContentDeps): CardContents {
  const { templates, teamZone, brand } = deps;
  /** A name is a nicety: a failed lookup leaves it out and never fails the card. */
  const nameFor = async (employee: { userId?: string; openId?: string }) => {
    try {
      return await deps.names?.nameFor(employee);
    } catch {
      return undefined;
    }
  };
  /** Employee cards (DMs) are addressed to the employee: no name, so they are asked none. */
  const contextFor = async (event: ApprovalEvent, audience: Delivery['audience']): Promise<CardContext> => {
    const employee = kindNamed(event.kind).identity(event);
    const [{ zone }, employeeName] = await Promise.all([
      deps.zones.zoneFor(employee, approvalDay(event, teamZone)),
      audience === 'employee' ? undefined : nameFor(employee),
    ]);
    return { zone, teamZone, brand, employeeName };
  };
  return {
    async content(delivery) {
      if (delivery.audience === 'digest') {
        const members = await deps.store.digestMembers(delivery.id);
        const events = members.map(eventOf);
        const contexts = await Promise.all(events.map((event) => contextFor(event, 'digest')));
        return renderDigest(events, (i) => contexts[i]!, (i) => members[i]!.revokedBy !== null).content;
      }
      if (delivery.audience === 'route') throw new Error('a route row has no card: it decides team chats');
      if (delivery.audience === 'edit') throw new Error('an edit has no card of its own: it sends its target delivery\'s');
      const event = eventOf(delivery);
      const ctx = await contextFor(event, delivery.audience);
      const builder = deps.builderTemplates?.[`${event.kind}.${delivery.audience}`];
      // A revoked approval's card (an edit, or a send that may have reached Feishu before the
      // revocation) is the revoked state; a card-builder template cannot be transformed, so the
      // built-in template's card is.
      if (delivery.revokedBy !== null) return revokedRendering(renderCard(templates, event, delivery.audience, ctx)).content;
      return builder ? renderBuilderCard(builder, event, ctx).content : renderCard(templates, event, delivery.audience, ctx).content;
    },
    // Sized with TIMEZONE: a zone name changes a row by a few bytes, well inside fitDigest's margin.
    digestMembers: (candidates) => fitDigest(candidates, eventOf, { zone: teamZone, teamZone, brand }).items,
  };
}

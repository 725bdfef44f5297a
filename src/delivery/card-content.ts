// The card content for a delivery: one approval's card, or a digest of several.
import type { ApprovalEvent } from '../approvals/types.js';
import { renderCard, type CardContext } from '../cards/card.js';
import { fitDigest, renderDigest } from '../cards/digest.js';
import type { CardTemplates } from '../cards/templates.js';
import type { Delivery, Store } from '../store/store.js';

export interface CardContents {
  /** The content to send for a delivery (for a digest, of its recorded members). */
  content(delivery: Delivery): string;
  /** Which of these candidates fit in one digest. */
  digestMembers(candidates: readonly Delivery[]): Delivery[];
}

const eventOf = (delivery: Delivery) => JSON.parse(delivery.payload ?? 'null') as ApprovalEvent;

export function cardContents(templates: CardTemplates, ctx: CardContext, store: Pick<Store, 'digestMembers'>): CardContents {
  return {
    content(delivery) {
      if (delivery.audience === 'digest') return renderDigest(store.digestMembers(delivery.id).map(eventOf), ctx).content;
      return renderCard(templates, eventOf(delivery), delivery.audience, ctx).content;
    },
    digestMembers: (candidates) => fitDigest(candidates, eventOf, ctx).items,
  };
}

import { effectiveFeatures, type Subscriptions } from '../features/options.js';
import type { BulkGroup, HuntGroup } from '../features/settings.js';
import type { CallSettings, FeatureStore, PartyRequest, PartySettings } from '../store/feature-store.js';
import type { CalledGroups } from '../features/call-context.js';
import type { SubscriptionStore } from '../store/subscription-store.js';

/**
 * The settings calls act on (docs/product.md §4.6): the stored settings with
 * every option the number has not subscribed switched off, so the pipeline
 * stages and origination read settings as they always did and never see
 * subscriptions. A hunt group works while its pilot has the hunt-group option;
 * a bulk group forwards the members that have the bulk-forwarding option.
 */
export class SubscribedFeatures {
  constructor(
    private readonly features: Pick<FeatureStore, 'huntGroupOf' | 'bulkGroupOf' | 'callParties'>,
    private readonly subscriptions: Pick<SubscriptionStore, 'of'>,
  ) {}

  /** The called number's settings and groups as calls see them, read together (FeatureStore.callParties). */
  async callSettings(number: string): Promise<CallSettings | null> {
    const [called] = await this.callParties([{ number, groups: 'both' }]);
    return called?.features ? { features: called.features, groups: called.groups } : null;
  }

  /**
   * Several numbers' settings and groups as calls see them, from one read of
   * the store; the subscriptions are looked up meanwhile (a node-local copy
   * once warm). In request order.
   */
  async callParties(requests: readonly PartyRequest[]): Promise<PartySettings[]> {
    const [stored, subs] = await Promise.all([this.features.callParties(requests), Promise.all(requests.map((r) => this.subscriptions.of(r.number)))]);
    return Promise.all(stored.map((party, i) => this.asCallsSee(party, subs[i]!)));
  }

  /** A hunt group works while its pilot has the hunt-group option; a bulk group forwards members with the bulk-forwarding option. */
  private async asCallsSee(stored: PartySettings, subs: Subscriptions): Promise<PartySettings> {
    const { hunt, bulk, ...frozen } = stored.groups;
    const huntOn = hunt !== null && (await this.subscriptions.of(hunt.pilot)).options.has('hunt-group');
    const bulkOn = bulk !== null && subs.options.has('bulk-forwarding');
    const groups: CalledGroups = { hunt: huntOn ? hunt : null, bulk: bulkOn ? bulk : null, ...(bulkOn ? frozen : {}) };
    return { features: stored.features && effectiveFeatures(stored.features, subs), groups };
  }

  async huntGroupOf(number: string): Promise<HuntGroup | null> {
    const group = await this.features.huntGroupOf(number);
    if (!group) return null;
    return (await this.subscriptions.of(group.pilot)).options.has('hunt-group') ? group : null;
  }

  async bulkGroupOf(number: string): Promise<BulkGroup | null> {
    const group = await this.features.bulkGroupOf(number);
    if (!group) return null;
    return (await this.subscriptions.of(number)).options.has('bulk-forwarding') ? group : null;
  }
}

import { effectiveFeatures } from '../features/options.js';
import type { BulkGroup, HuntGroup, NumberFeatures } from '../features/settings.js';
import type { CallSettings, FeatureStore } from '../store/feature-store.js';
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
    private readonly features: Pick<FeatureStore, 'get' | 'huntGroupOf' | 'bulkGroupOf' | 'callSettings'>,
    private readonly subscriptions: Pick<SubscriptionStore, 'of'>,
  ) {}

  async get(number: string): Promise<NumberFeatures | null> {
    const [stored, subs] = await Promise.all([this.features.get(number), this.subscriptions.of(number)]);
    return stored && effectiveFeatures(stored, subs);
  }

  /** The called number's settings and groups as calls see them, read together (FeatureStore.callSettings). */
  async callSettings(number: string): Promise<CallSettings | null> {
    const [stored, subs] = await Promise.all([this.features.callSettings(number), this.subscriptions.of(number)]);
    if (!stored) return null;
    const { hunt, bulk, ...frozen } = stored.groups;
    const huntOn = hunt !== null && (await this.subscriptions.of(hunt.pilot)).options.has('hunt-group');
    const bulkOn = bulk !== null && subs.options.has('bulk-forwarding');
    return {
      features: effectiveFeatures(stored.features, subs),
      groups: { hunt: huntOn ? hunt : null, bulk: bulkOn ? bulk : null, ...(bulkOn ? frozen : {}) },
    };
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

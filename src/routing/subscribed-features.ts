import { effectiveFeatures } from '../features/options.js';
import type { BulkGroup, HuntGroup, NumberFeatures } from '../features/settings.js';
import type { FeatureStore } from '../store/feature-store.js';
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
    private readonly features: Pick<FeatureStore, 'get' | 'huntGroupOf' | 'bulkGroupOf'>,
    private readonly subscriptions: Pick<SubscriptionStore, 'of'>,
  ) {}

  async get(number: string): Promise<NumberFeatures | null> {
    const [stored, subs] = await Promise.all([this.features.get(number), this.subscriptions.of(number)]);
    return stored && effectiveFeatures(stored, subs);
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

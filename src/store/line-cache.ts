import type { LineRecord, LineStore } from './line-store.js';
import { ProvisionedCache, type ProvisionedCacheOptions } from './provisioned-cache.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

/**
 * This node's copy of provisioned lines (HA1, channels, addresses), so a
 * REGISTER costs no read of its line (see ProvisionedCache for when a copy
 * is dropped or not used).
 */
export class LineCache {
  private readonly copies: ProvisionedCache<LineRecord>;

  constructor(
    private readonly store: Pick<LineStore, 'get'>,
    changes: ProvisioningChanges,
    options: ProvisionedCacheOptions,
    now: () => number = Date.now,
  ) {
    this.copies = new ProvisionedCache(changes, options, now);
  }

  get(sipId: string): Promise<LineRecord | null> {
    return this.copies.get(sipId, () => this.store.get(sipId));
  }
}

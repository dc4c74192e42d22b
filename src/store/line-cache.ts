import type { LineRecord, LineStore } from './line-store.js';
import { ProvisionedCache, type ProvisionedCacheOptions } from './provisioned-cache.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

/**
 * This node's copy of provisioned lines (HA1, channels, addresses), so a
 * REGISTER costs no read of its line, and of which line holds each number,
 * so a call costs no read of its called line (see ProvisionedCache for when a
 * copy is dropped or not used).
 */
export class LineCache {
  private readonly copies: ProvisionedCache<LineRecord>;
  private readonly numbers: ProvisionedCache<string>;

  /** `numbers`: how many numbers' lines are kept (options.maxEntries when not given). */
  constructor(
    private readonly store: Pick<LineStore, 'get' | 'sipIdOfNumber'>,
    changes: ProvisioningChanges,
    options: ProvisionedCacheOptions & { numbers?: number },
    now: () => number = Date.now,
  ) {
    this.copies = new ProvisionedCache(changes, options, now);
    this.numbers = new ProvisionedCache(changes, { maxEntries: options.numbers ?? options.maxEntries, ttlMs: options.ttlMs }, now);
  }

  get(sipId: string): Promise<LineRecord | null> {
    return this.copies.get(sipId, () => this.store.get(sipId));
  }

  /** The line a number belongs to; null when the number is not ours. */
  async ofNumber(number: string): Promise<LineRecord | null> {
    const sipId = await this.numbers.get(number, () => this.store.sipIdOfNumber(number));
    return sipId === null ? null : this.get(sipId);
  }
}

import { canonicalIp, ipLine, type LineRecord, type LineStore } from './line-store.js';
import { ProvisionedCache, type ProvisionedCacheOptions } from './provisioned-cache.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

/**
 * This node's copy of provisioned lines (HA1, channels, addresses), so a
 * REGISTER costs no read of its line; of which line holds each number, so a
 * call costs no read of its called line; and of which IP-authenticated line
 * is trusted at each source address (nobody's included, apart), so a request
 * costs no read to learn who sent it (see ProvisionedCache for when a copy is
 * dropped or not used).
 */
export class LineCache {
  private readonly copies: ProvisionedCache<LineRecord>;
  private readonly numbers: ProvisionedCache<string>;
  private readonly addresses: ProvisionedCache<string>;

  /**
   * `numbers`: how many numbers' lines are kept (options.maxEntries when not given);
   * `addresses`: how many source addresses' lines are kept, and as many addresses that are nobody's (0 when not given).
   */
  constructor(
    private readonly store: Pick<LineStore, 'get' | 'sipIdOfNumber' | 'sipIdAtAddress'>,
    changes: ProvisioningChanges,
    options: ProvisionedCacheOptions & { numbers?: number; addresses?: number },
    now: () => number = Date.now,
  ) {
    this.copies = new ProvisionedCache(changes, options, now);
    this.numbers = new ProvisionedCache(changes, { maxEntries: options.numbers ?? options.maxEntries, ttlMs: options.ttlMs }, now);
    const addresses = options.addresses ?? 0;
    this.addresses = new ProvisionedCache(changes, { maxEntries: addresses, misses: addresses, ttlMs: options.ttlMs }, now);
  }

  get(sipId: string): Promise<LineRecord | null> {
    return this.copies.get(sipId, () => this.store.get(sipId));
  }

  /** The line a number belongs to; null when the number is not ours. */
  async ofNumber(number: string): Promise<LineRecord | null> {
    const sipId = await this.numbers.get(number, () => this.store.sipIdOfNumber(number));
    return sipId === null ? null : this.get(sipId);
  }

  /** The IP-authenticated line trusted at this source address; null when none. */
  async byAddress(address: string): Promise<LineRecord | null> {
    const ip = canonicalIp(address);
    if (ip === null) return null;
    const sipId = await this.addresses.get(ip, () => this.store.sipIdAtAddress(ip));
    return ipLine(sipId === null ? null : await this.get(sipId));
  }
}

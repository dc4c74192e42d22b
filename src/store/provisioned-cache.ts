import { BoundedMap } from './bounded-map.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

export interface ProvisionedCacheOptions {
  /** Entries kept at most (the least recently written go first). */
  maxEntries: number;
  /** An entry is read again after this long even when no change was heard (a safety net). */
  ttlMs: number;
}

/**
 * This node's copy of data only provisioning writes (lines, option
 * subscriptions), so a request costs no read of it. Dropped whole on every
 * provisioning change any node announces (src/store/provisioning-changes.ts);
 * not used while changes cannot be heard. A read that was under way when a
 * change was heard is not kept: it may hold the old value. Null (nothing
 * found) is not kept, so a flood of made-up names cannot push real entries out.
 */
export class ProvisionedCache<V> {
  private readonly entries: BoundedMap<string, V>;
  private generation = 0;

  constructor(
    private readonly changes: ProvisioningChanges,
    options: ProvisionedCacheOptions,
    now: () => number = Date.now,
  ) {
    this.entries = new BoundedMap(options.maxEntries, options.ttlMs, now);
    changes.onChange(() => {
      this.generation++;
      this.entries.clear();
    });
  }

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (!this.changes.live) return load();
    const copy = this.entries.get(key);
    if (copy !== undefined) return copy;
    const generation = this.generation;
    const value = await load();
    if (value !== null && generation === this.generation && this.changes.live) this.entries.set(key, value);
    return value;
  }
}

import { BoundedMap } from './bounded-map.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

export interface ProvisionedCacheOptions {
  /** Entries kept at most (the least recently written go first). */
  maxEntries: number;
  /** An entry is read again after this long even when no change was heard (a safety net). */
  ttlMs: number;
  /**
   * Keys found to hold nothing kept at most, in a map of their own (0 or
   * absent: none kept, each is read again). For keys every request asks,
   * such as a source address that is usually nobody's.
   */
  misses?: number;
}

/**
 * This node's copy of data only provisioning writes (lines, option
 * subscriptions), so a request costs no read of it. Dropped whole on every
 * provisioning change any node announces (src/store/provisioning-changes.ts);
 * not used while changes cannot be heard. A read that was under way when a
 * change was heard is not kept: it may hold the old value. Null (nothing
 * found) is kept only with `misses`, and apart from the found entries, so a
 * flood of made-up names cannot push real entries out.
 */
export class ProvisionedCache<V> {
  private readonly entries: BoundedMap<string, V>;
  private readonly misses: BoundedMap<string, true>;
  private generation = 0;

  constructor(
    private readonly changes: ProvisioningChanges,
    options: ProvisionedCacheOptions,
    now: () => number = Date.now,
  ) {
    this.entries = new BoundedMap(options.maxEntries, options.ttlMs, now);
    this.misses = new BoundedMap(options.misses ?? 0, options.ttlMs, now);
    changes.onChange(() => {
      this.generation++;
      this.entries.clear();
      this.misses.clear();
    });
  }

  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    if (!this.changes.live) return load();
    const copy = this.entries.get(key);
    if (copy !== undefined) return copy;
    if (this.misses.get(key)) return null;
    const generation = this.generation;
    const value = await load();
    if (generation === this.generation && this.changes.live) {
      if (value !== null) this.entries.set(key, value);
      else this.misses.set(key, true);
    }
    return value;
  }
}

import { BoundedMap } from './bounded-map.js';
import type { LineRecord, LineStore } from './line-store.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

export interface LineCacheOptions {
  /** Lines kept at most (the least recently written go first). */
  maxLines: number;
  /** A copy is read again after this long even when no change was heard (a safety net). */
  ttlMs: number;
}

/**
 * This node's copy of provisioned lines (HA1, channels, addresses), so a
 * REGISTER costs no read of its line. Dropped whole on every provisioning
 * change any node announces (src/store/provisioning-changes.ts); not used
 * while changes cannot be heard. A read that was under way when a change
 * was heard is not kept: it may hold the old record. Unknown SIP-IDs are not
 * kept, so a flood of made-up names cannot push the real lines out.
 */
export class LineCache {
  private readonly lines: BoundedMap<string, LineRecord>;
  private generation = 0;

  constructor(
    private readonly store: Pick<LineStore, 'get'>,
    private readonly changes: ProvisioningChanges,
    options: LineCacheOptions,
    now: () => number = Date.now,
  ) {
    this.lines = new BoundedMap(options.maxLines, options.ttlMs, now);
    changes.onChange(() => {
      this.generation++;
      this.lines.clear();
    });
  }

  async get(sipId: string): Promise<LineRecord | null> {
    if (!this.changes.live) return this.store.get(sipId);
    const copy = this.lines.get(sipId);
    if (copy !== undefined) return copy;
    const generation = this.generation;
    const line = await this.store.get(sipId);
    if (line !== null && generation === this.generation && this.changes.live) this.lines.set(sipId, line);
    return line;
  }
}

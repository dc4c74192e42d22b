import type { Redis } from 'ioredis';
import type { BulkGroup, HuntGroup } from '../features/settings.js';
import { keys } from './keys.js';
import { lineFromHash, type LineRecord } from './line-store.js';
import { parseBulkGroup, parseBulkOperation, parseHuntGroup, type BulkOperation } from './schemas.js';

/** Redis glob characters in a key prefix, escaped for SCAN MATCH. */
function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

/** The provisioned organisation as the management API reads it: voice groups, sites, lines and groups by id. */
export class OrganisationStore {
  constructor(private readonly redis: Redis) {}

  voiceGroupIds(): Promise<string[]> {
    return this.redis.smembers(keys.voiceGroupIndex);
  }

  async voiceGroup(id: string): Promise<{ id: string; name?: string } | null> {
    const h = await this.redis.hgetall(keys.voiceGroup(id));
    return h.id ? { id: h.id, ...(h.name !== undefined ? { name: h.name } : {}) } : null;
  }

  async site(id: string): Promise<{ id: string; voiceGroupId: string; name?: string } | null> {
    const h = await this.redis.hgetall(keys.site(id));
    return h.voiceGroupId ? { id, voiceGroupId: h.voiceGroupId, ...(h.name !== undefined ? { name: h.name } : {}) } : null;
  }

  /** The stored record (HA1 included). */
  async line(sipId: string): Promise<LineRecord | null> {
    return lineFromHash(await this.redis.hgetall(keys.line(sipId)));
  }

  async huntGroup(id: string): Promise<HuntGroup | null> {
    return parseHuntGroup(await this.redis.get(keys.huntGroup(id)));
  }

  async bulkGroup(id: string): Promise<BulkGroup | null> {
    return parseBulkGroup(await this.redis.get(keys.bulkGroup(id)));
  }

  siteGroupIds(kind: 'hunt' | 'bulk', siteId: string): Promise<string[]> {
    return this.redis.smembers(kind === 'hunt' ? keys.siteHuntGroups(siteId) : keys.siteBulkGroups(siteId));
  }

  /** Freezes each member's slot-5 destination for a start ("" for none), replacing what a former start froze. */
  async freezeBulkDestinations(id: string, destinations: ReadonlyMap<string, string | undefined>): Promise<void> {
    const key = keys.bulkDestinations(id);
    const fields = Object.fromEntries([...destinations].map(([n, d]) => [n, d ?? '']));
    const tx = this.redis.multi().del(key);
    if (Object.keys(fields).length > 0) tx.hset(key, fields);
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err !== null)?.[0];
    if (!replies || failed) throw failed ?? new Error('Redis transaction aborted');
  }

  /** After a stop: nothing frozen any more. */
  async clearBulkDestinations(id: string): Promise<void> {
    await this.redis.del(keys.bulkDestinations(id));
  }

  /**
   * WATCHes the bulk group, reads it, lets `decide` check it (it may throw),
   * then writes what it returns in a MULTI, with `operation` (the group's
   * latest start/stop record) when given; null when another write came first.
   */
  async compareAndSetBulkGroup(id: string, decide: (stored: BulkGroup | null) => BulkGroup, operation?: BulkOperation): Promise<BulkGroup | null> {
    const key = keys.bulkGroup(id);
    await this.redis.watch(key);
    let next: BulkGroup;
    try {
      next = decide(parseBulkGroup(await this.redis.get(key)));
    } catch (err) {
      await this.redis.unwatch();
      throw err;
    }
    const tx = this.redis.multi().set(key, JSON.stringify(next));
    if (operation) tx.set(keys.bulkOperation(id), JSON.stringify(operation));
    return (await tx.exec()) ? next : null;
  }

  /** The group's latest start or stop, or null when it was never started. */
  async bulkOperation(id: string): Promise<BulkOperation | null> {
    return parseBulkOperation(await this.redis.get(keys.bulkOperation(id)));
  }

  /**
   * Deletes the bulk group (docs/product.md §4.4): its record, its members'
   * membership, its place in the site's list and its latest operation, in one
   * MULTI under WATCH. `check` sees the stored group first and may throw
   * (not stopped, stale ETag); false when another write came first.
   */
  async deleteBulkGroup(id: string, check: (stored: BulkGroup | null) => BulkGroup): Promise<boolean> {
    const key = keys.bulkGroup(id);
    await this.redis.watch(key);
    let group: BulkGroup;
    let owners: Array<string | null>;
    try {
      group = check(parseBulkGroup(await this.redis.get(key)));
      const memberKeys = group.members.map((n) => keys.bulkGroupOf(n));
      if (memberKeys.length) await this.redis.watch(...memberKeys);
      owners = memberKeys.length ? await this.redis.mget(...memberKeys) : [];
    } catch (err) {
      await this.redis.unwatch();
      throw err;
    }
    const tx = this.redis.multi().del(key, keys.bulkOperation(id)).srem(keys.siteBulkGroups(group.siteId), id);
    // Only memberships that still name this group (a number is in at most one group).
    group.members.forEach((n, i) => {
      if (owners[i] === id) tx.del(keys.bulkGroupOf(n));
    });
    return (await tx.exec()) !== null;
  }

  /**
   * Our numbers starting with `prefix` (digits), sorted, at most `limit`
   * (`truncated` when there were more). A SCAN of the number keys: for an
   * operator's search, not a hot path.
   */
  async numbersWithPrefix(prefix: string, limit: number): Promise<{ numbers: string[]; truncated: boolean }> {
    if (!/^\d*$/.test(prefix)) throw new RangeError('a number prefix is digits only');
    const keyPrefix = this.redis.options.keyPrefix ?? '';
    const start = keyPrefix.length + keys.number('').length;
    const found = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(keyPrefix)}${keys.number(prefix)}*`, 'COUNT', 1000);
      cursor = next;
      for (const k of batch) found.add(k.slice(start));
    } while (cursor !== '0');
    const numbers = [...found].sort();
    return { numbers: numbers.slice(0, limit), truncated: numbers.length > limit };
  }

  /**
   * Ids of every site. There is no index of sites (provisioning keeps none), so
   * this SCANs for the site keys of 7-digit ids: fine for an operator's list,
   * not a hot path.
   */
  async allSiteIds(): Promise<string[]> {
    // SCAN patterns are not prefixed by the client: add its prefix ourselves.
    const keyPrefix = this.redis.options.keyPrefix ?? '';
    const match = `${escapeGlob(keyPrefix)}${keys.site('[0-9][0-9][0-9][0-9][0-9][0-9][0-9]')}`;
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const k of found) ids.add(k.slice(keyPrefix.length + keys.site('').length));
    } while (cursor !== '0');
    return [...ids].sort();
  }
}

import { Redis } from 'ioredis';
import { encodeFeature } from '../../src/store/feature-store.js';
import { defaultFeatures } from '../../src/features/settings.js';
import { keys } from '../../src/store/keys.js';

/**
 * Makes sure the feature settings and bulk group of the calls bench are in
 * Redis after `provision` ran. While the provisioning command does not store
 * `features:` / `bulkGroups:` yet, the bench writes the same values itself
 * (feature-store encoding, key layout of src/store/keys.ts) and says so, so
 * the stages never run on defaults unnoticed.
 */
export async function ensureCallFeatures(o: {
  redisUrl: string;
  keyPrefix: string;
  siteId: string;
  features: Record<string, Record<string, unknown>>;
  bulk: { id: string; name: string; members: string[] };
}): Promise<'provisioned' | 'written by the bench'> {
  const redis = new Redis(o.redisUrl, { keyPrefix: o.keyPrefix, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const numbers = Object.keys(o.features);
    const stored = await Promise.all(numbers.map((n) => redis.exists(keys.features(n))));
    const bulkStored = await redis.exists(keys.bulkGroup(o.bulk.id));
    if (stored.every((x) => x === 1) && bulkStored === 1) return 'provisioned';

    const tx = redis.multi();
    for (const [number, f] of Object.entries(o.features)) {
      const hash: Record<string, string> = {};
      for (const [field, value] of Object.entries(f)) {
        if (field === 'forwarding') {
          const d = defaultFeatures(number).forwarding;
          const w = value as Record<string, unknown> & { destinations?: Array<string | null> };
          const destinations = Array.from({ length: 5 }, (_, i) => w.destinations?.[i] ?? null);
          hash[field] = encodeFeature({ ...d, ...w, destinations, schedule: [] });
        } else {
          hash[field] = encodeFeature(value);
        }
      }
      tx.hset(keys.features(number), hash);
    }
    const group = { id: o.bulk.id, siteId: o.siteId, name: o.bulk.name, state: 'stopped', members: o.bulk.members };
    tx.set(keys.bulkGroup(o.bulk.id), JSON.stringify(group));
    for (const n of o.bulk.members) tx.set(keys.bulkGroupOf(n), o.bulk.id);
    tx.sadd(keys.siteBulkGroups(o.siteId), o.bulk.id);
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err !== null);
    if (!replies || failed) throw new Error(`could not write the bench's features: ${failed?.[0]?.message ?? 'transaction aborted'}`);
    return 'written by the bench';
  } finally {
    redis.disconnect();
  }
}

/** How many call detail records the server wrote (the all-records stream's length). */
export async function countCallRecords(redisUrl: string, keyPrefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { keyPrefix, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await redis.xlen(keys.callRecords);
  } finally {
    redis.disconnect();
  }
}

import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BulkGroup } from '../../features/settings.js';
import { parseBulkGroup, parseHuntGroup } from '../../store/schemas.js';
import { keys } from '../../store/keys.js';
import { lineFromHash, type LineRecord } from '../../store/line-store.js';

/**
 * What the API shows of voice groups, sites, lines and groups: built with a
 * fixed key order (the ETag is a hash of it) and never with a password or
 * HA1. Each reader takes the connection to read with (inside a write: the
 * writer's).
 */

export const voiceGroupView = z.object({ id: z.string(), name: z.string() });
export type VoiceGroupView = z.infer<typeof voiceGroupView>;

export const siteView = z.object({ id: z.string().describe('7-digit site id'), voiceGroupId: z.string(), name: z.string() });
export type SiteView = z.infer<typeof siteView>;

export const lineView = z.object({
  sipId: z.string(),
  voiceGroupId: z.string(),
  siteId: z.string(),
  auth: z.enum(['digest', 'ip']),
  channels: z.number().int(),
  basicNumber: z.string(),
  dialInNumbers: z.array(z.string()),
  /** Trusted source addresses of an IP-authenticated line; [] for digest lines. */
  allowedAddresses: z.array(z.string()),
});
export type LineView = z.infer<typeof lineView>;

export const huntGroupView = z.object({
  id: z.string(),
  siteId: z.string(),
  pilot: z.string(),
  members: z.array(z.string()),
  mode: z.enum(['sequential', 'round-robin']),
  presentation: z.enum(['pilot', 'own']),
});
export type HuntGroupView = z.infer<typeof huntGroupView>;

export const bulkGroupView = z.object({
  id: z.string(),
  siteId: z.string(),
  name: z.string(),
  state: z.enum(['stopped', 'starting', 'started', 'stopping']),
  members: z.array(z.string()),
});
export type BulkGroupView = z.infer<typeof bulkGroupView>;

export async function readVoiceGroup(redis: Redis, id: string): Promise<VoiceGroupView | null> {
  const h = await redis.hgetall(keys.voiceGroup(id));
  return h.id ? { id: h.id, name: h.name ?? '' } : null;
}

export async function readSite(redis: Redis, id: string): Promise<SiteView | null> {
  const h = await redis.hgetall(keys.site(id));
  return h.voiceGroupId ? { id, voiceGroupId: h.voiceGroupId, name: h.name ?? '' } : null;
}

export function toLineView(l: LineRecord): LineView {
  return {
    sipId: l.sipId, voiceGroupId: l.voiceGroupId, siteId: l.siteId, auth: l.auth, channels: l.channels,
    basicNumber: l.basicNumber, dialInNumbers: l.dialInNumbers, allowedAddresses: l.allowedAddresses,
  };
}

/** The stored record too (HA1 included): only for building the next write, never for a response. */
export async function readLineRecord(redis: Redis, sipId: string): Promise<LineRecord | null> {
  return lineFromHash(await redis.hgetall(keys.line(sipId)));
}

export async function readLine(redis: Redis, sipId: string): Promise<LineView | null> {
  const l = await readLineRecord(redis, sipId);
  return l ? toLineView(l) : null;
}

export async function readHuntGroup(redis: Redis, id: string): Promise<HuntGroupView | null> {
  const g = parseHuntGroup(await redis.get(keys.huntGroup(id)));
  if (!g) return null;
  return { id: g.id, siteId: g.siteId, pilot: g.pilot, members: g.members, mode: g.mode, presentation: g.presentation };
}

export async function readBulkGroup(redis: Redis, id: string): Promise<BulkGroupView | null> {
  const g = parseBulkGroup(await redis.get(keys.bulkGroup(id)));
  if (!g) return null;
  return bulkView(g);
}

/** Also the stored form: the key order provisioning writes (so a re-apply sees "unchanged"). */
export function bulkView(g: BulkGroup): BulkGroupView {
  return { id: g.id, siteId: g.siteId, name: g.name, state: g.state, members: g.members };
}

/** Ids in a site's set of groups, read one by one (missing ones skipped), in id order. */
export async function readAll<T>(ids: string[], read: (id: string) => Promise<T | null>): Promise<T[]> {
  const rows = await Promise.all([...ids].sort().map(read));
  return rows.filter((x): x is Awaited<T> => x !== null) as T[];
}

/** Redis glob characters in a key prefix, escaped for SCAN MATCH. */
function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, '\\$&');
}

/**
 * Ids of every site. There is no index of sites (provisioning keeps none), so
 * this SCANs for `site:{7 digits}` keys: fine for an operator's list, not a
 * hot path.
 */
export async function allSiteIds(redis: Redis): Promise<string[]> {
  // SCAN patterns are not prefixed by the client: add its prefix ourselves.
  const keyPrefix = redis.options.keyPrefix ?? '';
  const match = `${escapeGlob(keyPrefix)}${keys.site('[0-9][0-9][0-9][0-9][0-9][0-9][0-9]')}`;
  const ids = new Set<string>();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    for (const k of found) ids.add(k.slice(keyPrefix.length + keys.site('').length));
  } while (cursor !== '0');
  return [...ids].sort();
}

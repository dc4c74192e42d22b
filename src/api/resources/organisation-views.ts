import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { BulkGroup } from '../../features/settings.js';
import { OrganisationStore } from '../../store/organisation-store.js';
import type { LineRecord } from '../../store/line-store.js';
import { huntGroupSchema } from '../../store/schemas.js';

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
  /** `number`: the called number is the Request-URI user (PBX, gateway); `contact`: the registered Contact as it is (a phone). */
  delivery: z.enum(['number', 'contact']),
});
export type LineView = z.infer<typeof lineView>;

export const huntGroupView = huntGroupSchema;
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
  const vg = await new OrganisationStore(redis).voiceGroup(id);
  return vg ? { id: vg.id, name: vg.name ?? '' } : null;
}

export async function readSite(redis: Redis, id: string): Promise<SiteView | null> {
  const site = await new OrganisationStore(redis).site(id);
  return site ? { id, voiceGroupId: site.voiceGroupId, name: site.name ?? '' } : null;
}

export function toLineView(l: LineRecord): LineView {
  return {
    sipId: l.sipId,
    voiceGroupId: l.voiceGroupId,
    siteId: l.siteId,
    auth: l.auth,
    channels: l.channels,
    basicNumber: l.basicNumber,
    dialInNumbers: l.dialInNumbers,
    allowedAddresses: l.allowedAddresses,
    delivery: l.delivery ?? 'number',
  };
}

/** The stored record too (HA1 included): only for building the next write, never for a response. */
export async function readLineRecord(redis: Redis, sipId: string): Promise<LineRecord | null> {
  return new OrganisationStore(redis).line(sipId);
}

export async function readLine(redis: Redis, sipId: string): Promise<LineView | null> {
  const l = await readLineRecord(redis, sipId);
  return l ? toLineView(l) : null;
}

export async function readHuntGroup(redis: Redis, id: string): Promise<HuntGroupView | null> {
  const g = await new OrganisationStore(redis).huntGroup(id);
  if (!g) return null;
  return { id: g.id, siteId: g.siteId, pilot: g.pilot, members: g.members, mode: g.mode, presentation: g.presentation };
}

export async function readBulkGroup(redis: Redis, id: string): Promise<BulkGroupView | null> {
  const g = await new OrganisationStore(redis).bulkGroup(id);
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
  return rows.filter((x): x is Awaited<T> => x !== null);
}

/** Ids of every site (a SCAN: fine for an operator's list, not a hot path). */
export function allSiteIds(redis: Redis): Promise<string[]> {
  return new OrganisationStore(redis).allSiteIds();
}

import type { Redis } from 'ioredis';
import type { EmergencyRoute, OutboundRoute, Peer, VoicemailRoute } from '../features/settings.js';
import { parseEmergencyRoutes, parseOutboundRoute, parseOutboundRoutes, parsePeer, parseVoicemailRoute } from './schemas.js';
import { keys } from './keys.js';
import { canonicalIp } from './line-store.js';
import { ProvisionedCache } from './provisioned-cache.js';
import type { ProvisioningChanges } from './provisioning-changes.js';

/**
 * Interconnect peers and routes, as provisioned (the `routes` hash and
 * `peeraddr:{address}`). Without `copies` every look-up reads Redis (the API
 * and the command line); a node passes `copies`, so the route tables and the
 * peer at each source address are kept until provisioning announces a change
 * (see ProvisionedCache), and a call or an in-dialog request costs no read.
 */
export interface RouteStoreOptions {
  copies?: {
    changes: ProvisioningChanges;
    /** Source addresses whose peer is kept, and as many that are nobody's (0: read on every request). */
    addresses: number;
    /** Longest a copy is used without a change heard, ms (a safety net). */
    ttlMs: number;
    /** Clock, for tests. */
    now?: () => number;
  };
}

/** The route tables calls read. */
interface Tables {
  outbound: OutboundRoute[];
  emergency: EmergencyRoute[];
  voicemail: VoicemailRoute | null;
}

/**
 * Fields of the `routes` hash. `emergency` is the former single emergency
 * route, still read (as serving every area) until a file replaces it with
 * `emergencyByArea`, the per-area table.
 */
export const ROUTE_FIELDS = { outbound: 'outbound', emergency: 'emergency', emergencyByArea: 'emergencyByArea', voicemail: 'voicemail' } as const;

/** Every geographic area: the area codes 01-09 as prefixes (what the former single emergency route served). */
export const ALL_AREA_CODES = ['01', '02', '03', '04', '05', '06', '07', '08', '09'] as const;

/** The emergency routes from the stored fields: the per-area table, else the former single route for every area. */
export function emergencyRoutesOf(byArea: string | null | undefined, legacy: string | null | undefined): EmergencyRoute[] {
  if (byArea !== null && byArea !== undefined) return parseEmergencyRoutes(byArea) ?? [];
  const single = parseOutboundRoute(legacy);
  return single
    ? [{ name: single.name, areaCodes: [...ALL_AREA_CODES], target: single.target, ...(single.transport ? { transport: single.transport } : {}) }]
    : [];
}

export class RouteStore {
  private readonly tableCopy: ProvisionedCache<Tables> | null;
  private readonly peerCopies: ProvisionedCache<Peer> | null;

  constructor(
    private readonly redis: Redis,
    options: RouteStoreOptions = {},
  ) {
    const copies = options.copies;
    this.tableCopy = copies ? new ProvisionedCache(copies.changes, { maxEntries: 1, ttlMs: copies.ttlMs }, copies.now) : null;
    this.peerCopies = copies
      ? new ProvisionedCache(copies.changes, { maxEntries: copies.addresses, misses: copies.addresses, ttlMs: copies.ttlMs }, copies.now)
      : null;
  }

  /** Every outbound route (the router picks the longest matching prefix). */
  async outboundRoutes(): Promise<OutboundRoute[]> {
    return (await this.tables()).outbound;
  }

  /** Where emergency calls (110, 118, 119) go, per area (docs/product.md §5); empty when none is provisioned. */
  async emergencyRoutes(): Promise<EmergencyRoute[]> {
    return (await this.tables()).emergency;
  }

  /** The voice-mail platform forwards to `voicemail` go to; null when none is provisioned. */
  async voicemailRoute(): Promise<VoicemailRoute | null> {
    return (await this.tables()).voicemail;
  }

  /** The interconnect peer trusted at this source address (any textual form of it). */
  async peerByAddress(address: string): Promise<Peer | null> {
    const ip = canonicalIp(address);
    if (ip === null) return null;
    const read = async () => parsePeer(await this.redis.get(keys.peerAddress(ip)));
    return this.peerCopies ? this.peerCopies.get(ip, read) : read();
  }

  /**
   * Whether an address is where an outbound or emergency route sends calls
   * (a carrier that trusts our address). Targets given as DNS names are not
   * matched here: the addresses they resolve to are known to the node that
   * located them (RouteLocator.isLocatedAddress).
   */
  async isRouteTarget(address: string): Promise<boolean> {
    const ip = canonicalIp(address);
    if (ip === null) return false;
    const { outbound, emergency, voicemail } = await this.tables();
    return [...outbound, ...emergency, ...(voicemail ? [voicemail] : [])].some((route) => canonicalIp(targetHost(route.target)) === ip);
  }

  /** What is stored, read now (no cache): every peer by name, the outbound routes and the emergency route. */
  async stored(): Promise<{ peers: Peer[] } & Tables> {
    const [peers, [outbound, legacy, byArea, voicemail]] = await Promise.all([
      this.redis.hgetall(keys.peers),
      this.redis.hmget(keys.routes, ROUTE_FIELDS.outbound, ROUTE_FIELDS.emergency, ROUTE_FIELDS.emergencyByArea, ROUTE_FIELDS.voicemail),
    ]);
    return {
      peers: Object.keys(peers)
        .sort()
        .map((name) => {
          const peer = parsePeer(peers[name]);
          return { name, addresses: peer?.addresses ?? [], ...(peer?.hosts ? { hosts: peer.hosts } : {}) };
        }),
      outbound: parseOutboundRoutes(outbound) ?? [],
      emergency: emergencyRoutesOf(byArea, legacy),
      voicemail: parseVoicemailRoute(voicemail),
    };
  }

  private async tables(): Promise<Tables> {
    const read = () => this.readTables();
    // A copy is never null (readTables always answers); `?? read()` only satisfies the types.
    return (this.tableCopy ? await this.tableCopy.get('tables', read) : null) ?? read();
  }

  private async readTables(): Promise<Tables> {
    const [outbound, legacy, byArea, voicemail] = await this.redis.hmget(
      keys.routes,
      ROUTE_FIELDS.outbound,
      ROUTE_FIELDS.emergency,
      ROUTE_FIELDS.emergencyByArea,
      ROUTE_FIELDS.voicemail,
    );
    const parsed = parseOutboundRoutes(outbound);
    return {
      outbound: Array.isArray(parsed) ? parsed : [],
      emergency: emergencyRoutesOf(byArea, legacy),
      voicemail: parseVoicemailRoute(voicemail),
    };
  }
}

/** The host of a route target `host`, `host:port` or `[v6]:port`. */
function targetHost(target: string): string {
  const t = target.trim();
  if (t.startsWith('[')) return t.slice(1, t.indexOf(']'));
  const colons = t.split(':').length - 1;
  return colons === 1 ? t.slice(0, t.indexOf(':')) : t;
}

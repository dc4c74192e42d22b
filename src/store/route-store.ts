import type { Redis } from 'ioredis';
import type { EmergencyRoute, OutboundRoute, Peer, VoicemailRoute } from '../features/settings.js';
import { parseEmergencyRoutes, parseOutboundRoute, parseOutboundRoutes, parsePeer, parseVoicemailRoute } from './schemas.js';
import { keys } from './keys.js';
import { canonicalIp } from './line-store.js';

/**
 * Interconnect peers and routes, as provisioned (the `routes` hash and
 * `peeraddr:{address}`). Read from Redis on every call by default, so a
 * change takes effect on the next call on every node; with `cacheMs` (at
 * most 1000) the route tables are kept that long per node.
 * Peer look-ups are one GET and never cached.
 */
export interface RouteStoreOptions {
  /** How long the route tables may be reused, ms; 0 (the default) reads them on every call. */
  cacheMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const MAX_CACHE_MS = 1000;

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
  private readonly cacheMs: number;
  private readonly now: () => number;
  private cached: (Tables & { at: number }) | null = null;

  constructor(
    private readonly redis: Redis,
    options: RouteStoreOptions = {},
  ) {
    this.cacheMs = Math.min(Math.max(options.cacheMs ?? 0, 0), MAX_CACHE_MS);
    this.now = options.now ?? Date.now;
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
    return parsePeer(await this.redis.get(keys.peerAddress(ip)));
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
    const now = this.now();
    if (this.cached && now - this.cached.at < this.cacheMs) return this.cached;
    const [outbound, legacy, byArea, voicemail] = await this.redis.hmget(
      keys.routes,
      ROUTE_FIELDS.outbound,
      ROUTE_FIELDS.emergency,
      ROUTE_FIELDS.emergencyByArea,
      ROUTE_FIELDS.voicemail,
    );
    const parsed = parseOutboundRoutes(outbound);
    const tables = {
      at: now,
      outbound: Array.isArray(parsed) ? parsed : [],
      emergency: emergencyRoutesOf(byArea, legacy),
      voicemail: parseVoicemailRoute(voicemail),
    };
    if (this.cacheMs > 0) this.cached = tables;
    return tables;
  }
}

/** The host of a route target `host`, `host:port` or `[v6]:port`. */
function targetHost(target: string): string {
  const t = target.trim();
  if (t.startsWith('[')) return t.slice(1, t.indexOf(']'));
  const colons = t.split(':').length - 1;
  return colons === 1 ? t.slice(0, t.indexOf(':')) : t;
}

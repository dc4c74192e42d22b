import type { Config } from './config/schema.js';
import { CachedDns } from './core/locate/cached-dns.js';
import type { Log } from './log.js';
import { PeerHosts } from './routing/peer-hosts.js';
import { RouteLocator } from './routing/route-locator.js';
import type { RouteStore } from './store/route-store.js';

/** How often each node looks again at the peers' host names (a cached answer is reused until its TTL runs out). */
const PEER_HOSTS_REFRESH_MS = 5_000;

/**
 * RFC 3263 for what we provision (docs/routing.md): one DNS cache per node,
 * the locator route targets and IP-trunk delivery addresses go through, and
 * the addresses of peers given by host name.
 */
export function startRouteLocation(config: Config, routes: Pick<RouteStore, 'stored'>, log: Log): { locator: RouteLocator; peerHosts: PeerHosts } {
  const { dns: settings } = config.routing;
  const dns = new CachedDns({
    servers: settings.servers,
    timeoutMs: settings.timeout * 1000,
    recordSeconds: settings.recordCache,
    maxTtlSeconds: settings.maxTtl,
    maxEntries: settings.maxEntries,
  });
  const allowLoopback = config.provisioning.allowLoopbackAddresses;
  const locator = new RouteLocator({ dns, allowLoopback, log });
  const peerHosts = new PeerHosts({ peers: async () => (await routes.stored()).peers, dns, allowLoopback, log, refreshMs: PEER_HOSTS_REFRESH_MS });
  // Not awaited: a slow or dead DNS server must not hold up the SIP start; the names are trusted once resolved.
  void peerHosts.start();
  return { locator, peerHosts };
}

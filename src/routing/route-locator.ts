import { formatHostPort, parseHostPort } from '../core/locate/host-port.js';
import { locateSipServer, type DnsQueries, type LocatedHop, type LocatedTransport } from '../core/locate/locate.js';
import type { Destination } from '../core/transport/transport.js';
import type { RouteTransport } from '../features/settings.js';
import type { Log } from '../log.js';
import { trustedAddressProblem } from '../provisioning/trusted-address.js';
import { canonicalIp } from '../store/line-store.js';
import { TtlCache } from '../core/locate/ttl-cache.js';

/** How many located addresses are remembered, and for how long. */
const LOCATED_ADDRESSES_KEPT = 1024;
const LOCATED_ADDRESS_MS = 3_600_000;

/** A provisioned place to send calls: a route, the voice-mail platform, an IP trunk's delivery address. */
export interface Located {
  /** For logs: the route name or line SIP-ID. */
  name: string;
  target: string;
  transport?: RouteTransport | undefined;
}

export interface RouteLocatorDeps {
  dns: DnsQueries;
  /** provisioning.allowLoopbackAddresses: a DNS answer may name a loopback address (test rigs). */
  allowLoopback: boolean;
  log: Log;
  random?: () => number;
}

/**
 * Where a provisioned target is reached, in the order to try (RFC 3263 via
 * core/locate). Only provisioned targets come here, never a name from a
 * request. A DNS answer is held to the rules for trusted addresses: a name
 * must not lead our INVITEs to a loopback (unless allowed), unspecified,
 * multicast, broadcast or reserved address; such an answer is dropped and
 * logged. An address written in the target itself is the operator's and used
 * as it is.
 */
export class RouteLocator {
  /** Addresses DNS gave for our targets lately: carriers that trust ours, like an address written in a route. */
  private readonly located = new TtlCache<true>(LOCATED_ADDRESSES_KEPT);

  constructor(private readonly deps: RouteLocatorDeps) {}

  /** Whether this address was lately located for a provisioned name (the in-dialog guard and bans treat it as a route target). */
  isLocatedAddress(address: string): boolean {
    const ip = canonicalIp(address);
    return ip !== null && this.located.get(ip) === true;
  }

  async hops(route: Located): Promise<LocatedHop[]> {
    const parsed = parseHostPort(route.target);
    if (!parsed) return [];
    const transport = route.transport === undefined ? undefined : (route.transport.toUpperCase() as LocatedTransport);
    const request = { host: parsed.host, ...(parsed.port !== undefined ? { port: parsed.port } : {}), ...(transport ? { transport } : {}) };
    const hops = await locateSipServer(request, this.deps.dns, this.deps.random);
    if (parsed.family !== 0) return hops;
    return hops.filter((hop) => {
      const ip = canonicalIp(hop.address);
      const problem = ip === null ? 'not an address' : trustedAddressProblem(ip, { allowLoopback: this.deps.allowLoopback });
      if (problem) {
        this.deps.log.warn(
          { event: 'security.dns_address_refused', route: route.name, target: route.target, address: hop.address, via: hop.via, why: problem },
          'a DNS answer for a provisioned target names an address we do not send to',
        );
      }
      if (!problem && ip !== null) this.located.set(ip, true, LOCATED_ADDRESS_MS);
      return !problem;
    });
  }
}

/** Where a located hop is sent. */
export function hopDestination(hop: LocatedHop): Destination {
  return { transport: hop.transport, address: hop.address, port: hop.port };
}

/** "UDP 192.0.2.7:5060 (SRV _sip._udp.carrier.example -> sip1.carrier.example)", for logs and call records. */
export function hopLabel(hop: LocatedHop): string {
  const at = `${hop.transport} ${formatHostPort(hop.address, hop.port)}`;
  return hop.via === 'literal' ? at : `${at} (${hop.via})`;
}

/**
 * The Request-URI for a number sent to a target: a DNS name stays the URI's
 * host (RFC 3263 only chose where to send it; the carrier sees its own
 * domain); an address target names the hop. `;transport=tcp` when TCP.
 */
export function targetUri(user: string, route: Located, hop: LocatedHop): string {
  const parsed = parseHostPort(route.target);
  const host =
    parsed && parsed.family === 0 ? (parsed.port !== undefined ? `${parsed.host}:${parsed.port}` : parsed.host) : formatHostPort(hop.address, hop.port);
  return `sip:${user}@${host}${hop.transport === 'TCP' ? ';transport=tcp' : ''}`;
}

import type { DnsQueries } from '../core/locate/locate.js';
import type { Peer } from '../features/settings.js';
import type { Log } from '../log.js';
import { trustedAddressProblem } from '../provisioning/trusted-address.js';
import { canonicalIp } from '../store/line-store.js';

export interface PeerHostsDeps {
  /** The provisioned peers (read from the store on each refresh). */
  peers(): Promise<Peer[]>;
  /** Cached DNS: a refresh asks again only once an answer's TTL has run out. */
  dns: Pick<DnsQueries, 'addresses'>;
  allowLoopback: boolean;
  log: Log;
  refreshMs: number;
}

/**
 * The addresses of peers provisioned by DNS name (`hosts`), so the trust
 * check stays a look-up of the packet's source address: each node resolves
 * the names (A/AAAA, refreshed as their TTL runs out) and keeps address ->
 * peer. An answer naming an address that could not be trusted if written
 * down (loopback unless allowed, unspecified, multicast, …) is dropped and
 * logged. A name that stops resolving keeps no address: it trusts nothing.
 */
export class PeerHosts {
  private byAddress = new Map<string, Peer>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: PeerHostsDeps) {}

  /** The peer trusted at this address through one of its host names. */
  peerByAddress(address: string): Peer | null {
    const ip = canonicalIp(address);
    return ip === null ? null : (this.byAddress.get(ip) ?? null);
  }

  start(): Promise<void> {
    const first = this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.deps.refreshMs);
    this.timer.unref();
    return first;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass over every peer's host names (one at a time per node). */
  refresh(): Promise<void> {
    this.running ??= this.resolveAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async resolveAll(): Promise<void> {
    let peers: Peer[];
    try {
      peers = await this.deps.peers();
    } catch (err) {
      this.deps.log.warn({ event: 'peer.hosts_unread', err: (err as Error).message }, 'peer host names not refreshed: the store did not answer');
      return;
    }
    const next = new Map<string, Peer>();
    for (const peer of peers) {
      for (const host of peer.hosts ?? []) {
        for (const address of await this.deps.dns.addresses(host)) {
          const ip = canonicalIp(address);
          const problem = ip === null ? 'not an address' : trustedAddressProblem(ip, { allowLoopback: this.deps.allowLoopback });
          if (problem || ip === null) {
            this.deps.log.warn(
              { event: 'security.dns_address_refused', peer: peer.name, host, address, why: problem },
              'a peer host name resolves to an address that is not trusted',
            );
            continue;
          }
          if (!next.has(ip)) next.set(ip, peer);
        }
      }
    }
    this.byAddress = next;
  }
}

import type { Destination } from '../core/transport/transport.js';
import type { OutboundRoute, Peer } from '../features/settings.js';
import { routeDestination, SIP_DEFAULT_PORT } from '../routing/targets.js';

/**
 * What is pinged with OPTIONS (pure): each interconnect peer address, each
 * IP-authenticated line's addresses (or its deliverTo), each outbound and
 * emergency route target written as an address. A target given as a DNS
 * name is not pinged: RFC 3263 failover (docs/routing.md) covers its servers. One destination is pinged once however many subjects share it
 * (a peer's address is often a route's target too).
 */
export type SubjectKind = 'peer' | 'trunk' | 'route';

export interface Subject {
  kind: SubjectKind;
  /** Peer name, line SIP-ID or route name. */
  name: string;
}

export interface MonitoredTarget {
  /** "UDP 192.0.2.7:5060": the key its health is kept under. */
  id: string;
  destination: Destination;
  subjects: Subject[];
}

export interface MonitoringScope {
  peers: boolean;
  ipTrunks: boolean;
  routes: boolean;
}

export interface ProvisionedTargets {
  peers: readonly Peer[];
  /** IP-authenticated lines: SIP-ID, trusted addresses and the delivery address if one is set. */
  ipLines: ReadonlyArray<{ sipId: string; allowedAddresses: readonly string[]; deliverTo?: string; deliverTransport?: 'udp' | 'tcp' }>;
  /** Outbound, emergency and voice-mail routes: where each sends calls. */
  routes: ReadonlyArray<Pick<OutboundRoute, 'name' | 'target' | 'transport'>>;
}

export function targetId(destination: Pick<Destination, 'transport' | 'address' | 'port'>): string {
  const host = destination.address.includes(':') ? `[${destination.address}]` : destination.address;
  return `${destination.transport} ${host}:${destination.port}`;
}

export function monitoredTargets(provisioned: ProvisionedTargets, scope: MonitoringScope): MonitoredTarget[] {
  const byId = new Map<string, MonitoredTarget>();
  const add = (destination: Destination, subject: Subject): void => {
    const id = targetId(destination);
    const target = byId.get(id) ?? { id, destination, subjects: [] };
    if (!target.subjects.some((s) => s.kind === subject.kind && s.name === subject.name)) target.subjects.push(subject);
    byId.set(id, target);
  };
  const atDefaultPort = (address: string): Destination => ({ transport: 'UDP', address, port: SIP_DEFAULT_PORT });
  if (scope.peers) for (const peer of provisioned.peers) for (const address of peer.addresses) add(atDefaultPort(address), { kind: 'peer', name: peer.name });
  if (scope.ipTrunks) {
    for (const line of provisioned.ipLines) {
      const subject = { kind: 'trunk' as const, name: line.sipId };
      // Pinged where its calls go: its deliverTo when set (an address; a DNS name is not pinged), else each address at 5060.
      if (line.deliverTo !== undefined) {
        const destination = routeDestination({ target: line.deliverTo, transport: line.deliverTransport });
        if (destination) add(destination, subject);
      } else {
        for (const address of line.allowedAddresses) add(atDefaultPort(address), subject);
      }
    }
  }
  if (scope.routes) {
    for (const route of provisioned.routes) {
      const destination = routeDestination(route);
      if (destination) add(destination, { kind: 'route', name: route.name });
    }
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

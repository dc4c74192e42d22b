import type { EmergencyRoute, OutboundRoute } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import type { Destination, TransportName } from '../core/transport/transport.js';
import type { LineRecord } from '../store/line-store.js';
import type { RelayTarget } from '../proxy/proxy-core.js';
import { withUser } from './identity-headers.js';

/**
 * Where a call to a line goes (pure): its live bindings best q first, each
 * reached at the address it registered from (NAT, RFC 3581) and over its own
 * connection when this node holds it; an IP-authenticated trunk at its address.
 */
export function lineTargets(line: LineRecord, calledNumber: string, bindings: Binding[], nodeId: string): RelayTarget[] {
  if (line.auth === 'ip') {
    return line.allowedAddresses.slice(0, 1).map((address) => {
      const host = address.includes(':') ? `[${address}]` : address;
      return { uri: `sip:${calledNumber}@${host}:5060`, destination: { transport: 'UDP', address, port: 5060 }, label: `${line.sipId} ${host}:5060` };
    });
  }
  return [...bindings]
    .sort((a, b) => (b.q ?? 1) - (a.q ?? 1))
    .map((b) => {
      const destination: Destination = {
        transport: b.source.transport,
        address: b.source.address,
        port: b.source.port,
        ...(b.source.connectionId && b.source.node === nodeId ? { connectionId: b.source.connectionId } : {}),
      };
      return {
        uri: withUser(b.uri, calledNumber),
        destination,
        ...(b.path.length > 0 ? { route: b.path } : {}),
        label: `${line.sipId} ${b.uri}`,
      };
    });
}

/** Longest matching prefix wins (docs/product.md §5). */
export function chooseOutboundRoute(routes: readonly OutboundRoute[], number: string): OutboundRoute | undefined {
  let best: OutboundRoute | undefined;
  for (const route of routes) {
    if (number.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}

/**
 * The emergency route for a caller's area (docs/product.md §5): the route
 * listing the longest area code the caller's number starts with; none when
 * no route serves that area.
 */
export function chooseEmergencyRoute(routes: readonly EmergencyRoute[], callerNumber: string): EmergencyRoute | undefined {
  let best: { route: EmergencyRoute; length: number } | undefined;
  for (const route of routes) {
    for (const code of route.areaCodes) {
      if (callerNumber.startsWith(code) && (!best || code.length > best.length)) best = { route, length: code.length };
    }
  }
  return best?.route;
}

/** A route's target "host:port" as a relay target for a number. */
export function routeTarget(route: Pick<OutboundRoute, 'name' | 'target' | 'transport'>, number: string): RelayTarget | undefined {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(route.target.trim());
  if (!match) return undefined;
  const address = match[1]!;
  const port = match[2] ? Number(match[2]) : 5060;
  const transport: TransportName = route.transport === 'tcp' ? 'TCP' : 'UDP';
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    uri: `sip:${number}@${host}:${port}${transport === 'TCP' ? ';transport=tcp' : ''}`,
    destination: { transport, address, port },
    label: `route ${route.name}`,
  };
}

import type { EmergencyRoute, OutboundRoute } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import type { Destination, TransportName } from '../core/transport/transport.js';
import type { LineRecord } from '../store/line-store.js';
import type { RelayTarget } from '../proxy/proxy-core.js';
import { bareHost, parseUri } from '../core/messages/index.js';
import { isIpLiteral } from '../core/transport/local-host.js';
import { withUser } from './identity-headers.js';

/** The node holding a binding's connection: where to send, and the Route that names the connection there. */
export interface NodeHop {
  destination: Destination;
  route: string;
}

/** Whether this node holds a binding's connection open now (TCP, WS). */
export type HoldsConnection = (source: Binding['source']) => boolean;

/**
 * Where a call to a line goes (pure): its live bindings best q first, each
 * reached at the address it registered from (NAT, RFC 3581) and over its own
 * connection when this node holds it; an IP-authenticated trunk at its address.
 * The Request-URI carries the called number for a PBX or gateway (DID
 * delivery), or is the Contact itself for a line set to `delivery: contact`:
 * a single phone answers only its own URI (the number stays in To).
 * A binding whose connection another live node holds is reached through
 * that node (`viaNodes`). A TCP binding whose connection is gone (closed, its
 * node dead, or from before a restart) is tried at its Contact, the only
 * address that may still answer; a WS one cannot be reached at all.
 */
export function lineTargets(
  line: LineRecord,
  calledNumber: string,
  bindings: Binding[],
  holds: HoldsConnection,
  /** Bindings whose connection another live node holds (by binding key): reached through it. */
  viaNodes: ReadonlyMap<string, NodeHop> = new Map(),
): RelayTarget[] {
  if (line.auth === 'ip') {
    return line.allowedAddresses.slice(0, 1).map((address) => {
      const host = address.includes(':') ? `[${address}]` : address;
      return {
        uri: `sip:${calledNumber}@${host}:${SIP_DEFAULT_PORT}`,
        destination: { transport: 'UDP', address, port: SIP_DEFAULT_PORT },
        label: `${line.sipId} ${host}:${SIP_DEFAULT_PORT}`,
      };
    });
  }
  return [...bindings]
    .sort((a, b) => (b.q ?? 1) - (a.q ?? 1))
    .flatMap((b): RelayTarget[] => {
      const viaNode = viaNodes.get(b.key);
      const destination = viaNode?.destination ?? bindingDestination(b, holds);
      if (!destination) return [];
      const route = viaNode ? [viaNode.route] : b.path;
      return [
        {
          uri: line.delivery === 'contact' ? b.uri : withUser(b.uri, calledNumber),
          destination,
          ...(route.length > 0 ? { route } : {}),
          label: `${line.sipId} ${b.uri}`,
        },
      ];
    });
}

/** Where one binding is reached now (see lineTargets); nothing when it cannot be. */
export function bindingDestination(b: Binding, holds: HoldsConnection): Destination | undefined {
  const { transport, address, port, connectionId } = b.source;
  if (connectionId === undefined) return { transport, address, port };
  if (holds(b.source)) return { transport, address, port, connectionId };
  if (transport !== 'TCP') return undefined;
  const contact = parseUri(b.uri);
  return contact && isIpLiteral(contact.host) ? { transport, address: bareHost(contact.host), port: contact.port ?? 5060 } : undefined;
}

/**
 * Longest matching prefix wins (docs/product.md §5), among the routes `usable`
 * accepts (monitoring leaves out a route whose target is down, so the
 * next-longest prefix takes the call).
 */
export function chooseOutboundRoute(
  routes: readonly OutboundRoute[],
  number: string,
  usable: (route: OutboundRoute) => boolean = () => true,
): OutboundRoute | undefined {
  let best: OutboundRoute | undefined;
  for (const route of routes) {
    if (number.startsWith(route.prefix) && usable(route) && (!best || route.prefix.length > best.prefix.length)) best = route;
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

/** Port a target written without one is reached on. */
export const SIP_DEFAULT_PORT = 5060;

/** Where a route sends calls ("host", "host:port", "[v6]:port", with the route's transport); undefined when unreadable. */
export function routeDestination(route: Pick<OutboundRoute, 'target' | 'transport'>): Destination | undefined {
  const match = /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(route.target.trim());
  if (!match) return undefined;
  const transport: TransportName = route.transport === 'tcp' ? 'TCP' : 'UDP';
  return { transport, address: match[1]!, port: match[2] ? Number(match[2]) : SIP_DEFAULT_PORT };
}

/** A route's target "host:port" as a relay target for a number. */
export function routeTarget(route: Pick<OutboundRoute, 'name' | 'target' | 'transport'>, number: string): RelayTarget | undefined {
  const destination = routeDestination(route);
  if (!destination) return undefined;
  const { address, port, transport } = destination;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    uri: `sip:${number}@${host}:${port}${transport === 'TCP' ? ';transport=tcp' : ''}`,
    destination,
    label: `route ${route.name}`,
  };
}

import { parseHostPort } from '../core/locate/host-port.js';
import type { EmergencyRoute } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import { defaultPort, isSecure, type Destination, type TransportName } from '../core/transport/transport.js';
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
 * connection when this node holds it; an IP-authenticated trunk at its first
 * address, port 5060 (one with `deliverTo` is located like a route: CallDelivery).
 * The Request-URI carries the called number for a PBX or gateway (DID
 * delivery), or is the Contact itself for a line set to `delivery: contact`:
 * a single phone answers only its own URI (the number stays in To).
 * A binding whose connection another live node holds is reached through
 * that node (`viaNodes`). A TCP or TLS binding whose connection is gone
 * (closed, its node dead, or from before a restart) is tried at its Contact
 * over the same transport, the only address that may still answer; a WS/WSS
 * one cannot be reached at all.
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

/**
 * Where one binding is reached now (see lineTargets); nothing when it cannot be.
 * A `sips:` Contact is reached only over TLS or WSS (RFC 3261 §26.2.2): a
 * binding that says it needs TLS is never called in the clear, and a TLS one
 * whose connection is gone is called back over a new TLS connection.
 */
export function bindingDestination(b: Binding, holds: HoldsConnection): Destination | undefined {
  const { transport, address, port, connectionId } = b.source;
  const contact = parseUri(b.uri);
  if (sipsInTheClear(b)) return undefined;
  if (connectionId === undefined) return { transport, address, port };
  if (holds(b.source)) return { transport, address, port, connectionId };
  if (transport !== 'TCP' && transport !== 'TLS') return undefined;
  return contact && isIpLiteral(contact.host) ? { transport, address: bareHost(contact.host), port: contact.port ?? defaultPort(transport) } : undefined;
}

/** A binding whose Contact asks for TLS (`sips:`) but that registered over a plain transport: never called. */
export function sipsInTheClear(b: Binding): boolean {
  return /^sips:/i.test(b.uri) && !isSecure(b.source.transport);
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

/**
 * Where a target written as an address sends calls ("192.0.2.7", "192.0.2.7:5070",
 * "[2001:db8::7]:5070", with its transport), as monitoring pings it. A DNS name has
 * no one destination (RFC 3263 may give several, and they change): undefined.
 */
export function routeDestination(route: { target: string; transport?: 'udp' | 'tcp' | undefined }): Destination | undefined {
  const parsed = parseHostPort(route.target);
  if (!parsed || parsed.family === 0) return undefined;
  const transport: TransportName = route.transport === 'tcp' ? 'TCP' : 'UDP';
  return { transport, address: parsed.host, port: parsed.port ?? SIP_DEFAULT_PORT };
}

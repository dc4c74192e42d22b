import type { OutboundRoute } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import type { Destination, TransportName } from '../core/transport/transport.js';
import type { LineRecord } from '../store/line-store.js';
import type { RelayTarget } from '../proxy/proxy-core.js';
import { bareHost, parseUri } from '../core/messages/index.js';
import { isIpLiteral } from '../core/transport/local-host.js';
import { withUser } from './identity-headers.js';

/** Whether this node holds a binding's connection open now (TCP, WS). */
export type HoldsConnection = (source: Binding['source']) => boolean;

/**
 * Where a call to a line goes (pure): its live bindings best q first, each
 * reached at the address it registered from (NAT, RFC 3581) and over its own
 * connection when this node holds it; an IP-authenticated trunk at its address.
 * The Request-URI carries the called number for a PBX or gateway (DID
 * delivery), or is the Contact itself for a line set to `delivery: contact`:
 * a single phone answers only its own URI (the number stays in To).
 * A TCP binding whose connection is gone (closed, held by another node, or
 * from before a restart) is tried at its Contact, the only address that may
 * still answer; a WS one cannot be reached at all.
 */
export function lineTargets(line: LineRecord, calledNumber: string, bindings: Binding[], holds: HoldsConnection): RelayTarget[] {
  if (line.auth === 'ip') {
    return line.allowedAddresses.slice(0, 1).map((address) => {
      const host = address.includes(':') ? `[${address}]` : address;
      return { uri: `sip:${calledNumber}@${host}:5060`, destination: { transport: 'UDP', address, port: 5060 }, label: `${line.sipId} ${host}:5060` };
    });
  }
  return [...bindings]
    .sort((a, b) => (b.q ?? 1) - (a.q ?? 1))
    .flatMap((b): RelayTarget[] => {
      const destination = bindingDestination(b, holds);
      if (!destination) return [];
      return [
        {
          uri: line.delivery === 'contact' ? b.uri : withUser(b.uri, calledNumber),
          destination,
          ...(b.path.length > 0 ? { route: b.path } : {}),
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

/** Longest matching prefix wins (docs/product.md §5). */
export function chooseOutboundRoute(routes: readonly OutboundRoute[], number: string): OutboundRoute | undefined {
  let best: OutboundRoute | undefined;
  for (const route of routes) {
    if (number.startsWith(route.prefix) && (!best || route.prefix.length > best.prefix.length)) best = route;
  }
  return best;
}

/** A route's target "host:port" as a relay target for a number. */
export function routeTarget(route: OutboundRoute, number: string): RelayTarget | undefined {
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

import { parseUri } from '../core/messages/index.js';
import type { TransportName } from '../core/transport/transport.js';

/**
 * A flow (RFC 5626 §3.3, §5.3): the one way back to a client behind NAT or on
 * a connection it opened. UDP: the address and port its requests came from.
 * TCP, TLS, WS and WSS: the connection itself, valid only on the node that holds it.
 */
export type ConnectionTransport = Exclude<TransportName, 'UDP'>;
export type Flow = { transport: 'UDP'; address: string; port: number } | { transport: ConnectionTransport; connectionId: string; node: string };

/** One end of a hop as the transport layer names it: where a request came from or goes to. */
export interface FlowEnd {
  transport: TransportName;
  address: string;
  port: number;
  connectionId?: string;
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const unb64 = (token: string): string => Buffer.from(token, 'base64url').toString('utf8');

/** A flow as the user part of our Record-Route: `udp.<address>.<port>` or `<connection>.<node>`, URI-safe. */
export function encodeFlow(flow: Flow): string {
  return flow.transport === 'UDP' ? `udp.${b64(flow.address)}.${flow.port}` : `${flow.connectionId}.${b64(flow.node)}`;
}

/** The flow a token names; nothing for a string that is not one (see encodeFlow). */
export function decodeFlow(token: string): Flow | undefined {
  const udp = /^udp\.([A-Za-z0-9_-]+)\.(\d{1,5})$/.exec(token);
  if (udp) {
    const port = Number(udp[2]);
    const address = unb64(udp[1]!);
    return port > 0 && port < 65536 && /^[0-9A-Fa-f.:]+$/.test(address) ? { transport: 'UDP', address, port } : undefined;
  }
  // The connection id's prefix is its transport (ConnectionTable): tcp-, tls-, ws-, wss-; wN names the worker holding it.
  const connection = /^((tcp|tls|ws|wss)-[0-9a-f]+(?:w\d{1,4})?-\d+)\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!connection) return undefined;
  return { transport: connection[2]!.toUpperCase() as ConnectionTransport, connectionId: connection[1]!, node: unb64(connection[3]!) };
}

/**
 * The flow to record for one end of a call, or none when its Contact reaches
 * it anyway. A connection the client opened (TCP, TLS, WS, WSS) is always its flow: a
 * new connection to its Contact would not get through NAT. Over UDP a flow is
 * needed when the Contact is not the address the request came from (RFC 3581
 * `received`/`rport` territory: the client is behind NAT).
 */
export function flowFor(end: FlowEnd, contact: string | undefined, node: string): Flow | undefined {
  if (end.transport === 'UDP') return contactIsSource(end, contact) ? undefined : { transport: 'UDP', address: end.address, port: end.port };
  return end.connectionId ? { transport: end.transport, connectionId: end.connectionId, node } : undefined;
}

function contactIsSource(end: FlowEnd, contact: string | undefined): boolean {
  const uri = contact ? parseUri(contact.replace(/^[^<]*<|>.*$/g, '').trim()) : null;
  if (!uri) return false;
  const host = uri.host.replace(/^\[|\]$/g, '').toLowerCase();
  return host === end.address.toLowerCase() && (uri.port ?? 5060) === end.port;
}

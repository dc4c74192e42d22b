/**
 * Transport layer types (RFC 3261 §18). A transport hands raw messages up
 * with the address they came from, and sends bytes to an address or over an
 * existing connection.
 */
export type TransportName = 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';

const TRANSPORT_NAMES: ReadonlySet<string> = new Set<TransportName>(['UDP', 'TCP', 'TLS', 'WS', 'WSS']);

/**
 * A Via sent-protocol transport or a URI transport parameter as one we serve
 * ("tcp" -> TCP, "tls" -> TLS, "wss" -> WSS); undefined for anything else (SCTP).
 */
export function transportNamed(value: string | null | undefined): TransportName | undefined {
  const upper = (value ?? '').toUpperCase();
  return TRANSPORT_NAMES.has(upper) ? (upper as TransportName) : undefined;
}

/** Whether a transport runs over TLS (RFC 3261 §26.2: what a `sips:` URI requires on the hop). */
export function isSecure(transport: TransportName): boolean {
  return transport === 'TLS' || transport === 'WSS';
}

/**
 * The transport a SIP URI asks for (RFC 3261 §19.1, §26.2; RFC 7118 §5.2):
 * `sips:` means TLS, or WSS with `transport=ws`; `sip:` takes its transport
 * parameter (`transport=tls` as older equipment writes it, RFC 5630 §3.1.3),
 * UDP without one. A `sips:` URI is never downgraded to a plain transport.
 */
export function uriTransport(scheme: string, transportParam: string | null | undefined): TransportName {
  const named = transportNamed(transportParam);
  if (scheme.toLowerCase() === 'sips') return named === 'WS' || named === 'WSS' ? 'WSS' : 'TLS';
  return named ?? 'UDP';
}

/** The port a URI without one is reached on: 5061 for SIP over TLS (RFC 3261 §19.1.2), else 5060. */
export function defaultPort(transport: TransportName): number {
  return transport === 'TLS' ? 5061 : 5060;
}

/** Where a message came from: enough to answer it and, for TCP/TLS/WS/WSS, to reuse the connection. */
export interface Source {
  transport: TransportName;
  address: string;
  port: number;
  /** Local address/port it arrived on. */
  localAddress: string;
  localPort: number;
  /** Stream transports (TCP, TLS, WS, WSS): the connection it arrived on, unique within this node. */
  connectionId?: string;
}

export interface Destination {
  transport: TransportName;
  address: string;
  port: number;
  /** Prefer this connection when it is still open (stream transports); WS has no other way to reach a peer. */
  connectionId?: string;
}

export type MessageHandler = (data: Buffer, source: Source) => void;

/** One message as it crossed the wire, seen by a tap. */
export interface WireMessage {
  direction: 'in' | 'out';
  transport: TransportName;
  /** Our end: the listening address and port. */
  local: { address: string; port: number };
  /** The other end. */
  remote: { address: string; port: number };
  data: Buffer;
}

/** Sees every message sent and received (e.g. for a capture server); must return at once and never throw. */
export type WireTap = (message: WireMessage) => void;

export interface Transport {
  readonly name: TransportName;
  readonly localAddress: string;
  readonly localPort: number;
  listen(): Promise<void>;
  /** Returns false when the bytes could not be handed to the OS (no route, closed connection). */
  send(destination: Destination, data: Buffer): boolean;
  close(): Promise<void>;
  /** Stream transports: where an open connection's peer is; undefined once it is gone. */
  peer?(connectionId: string): { address: string; port: number } | undefined;
  /**
   * UDP shared by `workers` processes: have the kernel give each datagram to
   * the socket its dialog hashes to (steering/dialog-steering.ts). Resolves
   * null when done, or why it could not be (the kernel then hashes sources).
   */
  steer?(workers: number): Promise<string | null>;
}

/** Largest message we accept on any transport; bigger ones are dropped (UDP) or close the connection (TCP, WS). */
export const MAX_MESSAGE_BYTES = 65_535;

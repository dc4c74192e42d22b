/**
 * Transport layer types (RFC 3261 §18). A transport hands raw messages up
 * with the address they came from, and sends bytes to an address or over an
 * existing connection.
 */
export type TransportName = 'UDP' | 'TCP' | 'WS';

/**
 * A Via sent-protocol transport or a URI transport parameter as one we serve
 * ("tcp" -> TCP, "ws" -> WS); undefined for anything else (TLS, WSS, SCTP).
 */
export function transportNamed(value: string | null | undefined): TransportName | undefined {
  const upper = (value ?? '').toUpperCase();
  return upper === 'UDP' || upper === 'TCP' || upper === 'WS' ? upper : undefined;
}

/** Where a message came from: enough to answer it and, for TCP/WS, to reuse the connection. */
export interface Source {
  transport: TransportName;
  address: string;
  port: number;
  /** Local address/port it arrived on. */
  localAddress: string;
  localPort: number;
  /** Stream transports (TCP, WS): the connection it arrived on, unique within this node. */
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
}

/** Largest message we accept on any transport; bigger ones are dropped (UDP) or close the connection (TCP, WS). */
export const MAX_MESSAGE_BYTES = 65_535;

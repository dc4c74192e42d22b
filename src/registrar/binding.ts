import type { TransportName } from '../core/transport/transport.js';

/** One registered contact of a line (RFC 3261 §10.3), as stored in Redis. */
export interface Binding {
  /** Matching key: RFC 5626 instance + reg-id when given, else the normalized contact URI. */
  key: string;
  /** The Contact URI as the client sent it. */
  uri: string;
  q?: number;
  /** Absolute expiry, ms since the epoch. */
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Path header values of the REGISTER (RFC 3327), in order. */
  path: string[];
  /** Where the REGISTER really came from, for NAT traversal (RFC 3581) and connection reuse. */
  source: {
    transport: TransportName;
    address: string;
    port: number;
    /** Node that holds the connection (TCP), with its local id. */
    node: string;
    connectionId?: string;
  };
  instance?: string;
  regId?: string;
  userAgent?: string;
  registeredAt: number;
}

export function remainingSeconds(binding: Binding, now: number): number {
  return Math.max(0, Math.round((binding.expiresAt - now) / 1000));
}

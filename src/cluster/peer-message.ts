import { timingSafeEqual } from 'node:crypto';
import type { Destination, Source } from '../core/transport/transport.js';

/**
 * What one worker sends another over the loopback channel (peer-channel.ts),
 * as one datagram: the node's channel token (only the node's own processes
 * know it), a kind byte, then
 * - `passed`: the worker the message first arrived at (2 bytes), the length
 *   of its source as JSON (2 bytes), that JSON, and the SIP message as it
 *   came off the wire: no copy into JSON or base64 on the hot path;
 * - `send`: bytes to send on a TCP/WS connection the receiver holds: the
 *   destination as JSON (2-byte length first), then the bytes;
 * - `notice`: a small JSON object (e.g. a call that ended at another worker).
 */
export const TOKEN_BYTES = 16;
const PASSED = 1;
const NOTICE = 2;
const SEND = 3;
/** The largest datagram loopback UDP carries. */
export const MAX_DATAGRAM = 65_507;

/** A call another worker learnt has ended (its BYE arrived there): the worker that carries it ends its part. */
export interface CallEndedNotice {
  type: 'call-ended';
  callId: string;
  /** Who hung up, "address:port". */
  by: string;
  reason?: string;
}

/**
 * A request inside a call reached a worker that does not watch it (the kernel
 * hashed its sender there): its CSeq, and for a refresh whose 2xx passed, the
 * session interval, so the worker watching the call (CallLiveness) keeps it alive.
 */
export interface CallRefreshedNotice {
  type: 'call-refreshed';
  callId: string;
  fromTag: string;
  cseq: number;
  /** A re-INVITE or UPDATE answered 2xx: the session timer restarts. */
  refreshed: boolean;
  /** The interval that 2xx set, seconds; none without a session timer. */
  sessionSeconds?: number;
}

export type PeerNotice = CallEndedNotice | CallRefreshedNotice;

export type PeerMessage =
  | { kind: 'passed'; origin: number; source: Source; data: Buffer }
  | { kind: 'send'; destination: Destination; data: Buffer }
  | { kind: 'notice'; notice: PeerNotice };

export function encodePassed(token: Buffer, origin: number, source: Source, data: Buffer): Buffer | undefined {
  const json = Buffer.from(
    JSON.stringify({
      transport: source.transport,
      address: source.address,
      port: source.port,
      localAddress: source.localAddress,
      localPort: source.localPort,
      ...(source.connectionId !== undefined ? { connectionId: source.connectionId } : {}),
    }),
  );
  const head = Buffer.alloc(TOKEN_BYTES + 5);
  token.copy(head, 0);
  head.writeUInt8(PASSED, TOKEN_BYTES);
  head.writeUInt16BE(origin, TOKEN_BYTES + 1);
  head.writeUInt16BE(json.length, TOKEN_BYTES + 3);
  const size = head.length + json.length + data.length;
  return size > MAX_DATAGRAM ? undefined : Buffer.concat([head, json, data], size);
}

export function encodeSend(token: Buffer, destination: Destination, data: Buffer): Buffer | undefined {
  const json = Buffer.from(
    JSON.stringify({ transport: destination.transport, address: destination.address, port: destination.port, connectionId: destination.connectionId }),
  );
  const head = Buffer.alloc(TOKEN_BYTES + 3);
  token.copy(head, 0);
  head.writeUInt8(SEND, TOKEN_BYTES);
  head.writeUInt16BE(json.length, TOKEN_BYTES + 1);
  const size = head.length + json.length + data.length;
  return size > MAX_DATAGRAM ? undefined : Buffer.concat([head, json, data], size);
}

export function encodeNotice(token: Buffer, notice: PeerNotice): Buffer {
  const head = Buffer.alloc(TOKEN_BYTES + 1);
  token.copy(head, 0);
  head.writeUInt8(NOTICE, TOKEN_BYTES);
  return Buffer.concat([head, Buffer.from(JSON.stringify(notice))]);
}

/** The message a datagram carries; undefined for one without the token or not well formed (dropped unread). */
export function decodePeerMessage(token: Buffer, datagram: Buffer): PeerMessage | undefined {
  if (datagram.length < TOKEN_BYTES + 1 || !timingSafeEqual(datagram.subarray(0, TOKEN_BYTES), token)) return undefined;
  const kind = datagram.readUInt8(TOKEN_BYTES);
  try {
    if (kind === PASSED && datagram.length >= TOKEN_BYTES + 5) {
      const origin = datagram.readUInt16BE(TOKEN_BYTES + 1);
      const jsonEnd = TOKEN_BYTES + 5 + datagram.readUInt16BE(TOKEN_BYTES + 3);
      const source = asSource(JSON.parse(datagram.subarray(TOKEN_BYTES + 5, jsonEnd).toString('utf8')));
      const data = datagram.subarray(jsonEnd);
      return source && data.length > 0 ? { kind: 'passed', origin, source, data } : undefined;
    }
    if (kind === SEND && datagram.length >= TOKEN_BYTES + 3) {
      const jsonEnd = TOKEN_BYTES + 3 + datagram.readUInt16BE(TOKEN_BYTES + 1);
      const destination = asConnectionDestination(JSON.parse(datagram.subarray(TOKEN_BYTES + 3, jsonEnd).toString('utf8')));
      const data = datagram.subarray(jsonEnd);
      return destination && data.length > 0 ? { kind: 'send', destination, data } : undefined;
    }
    if (kind === NOTICE) {
      const notice = asNotice(JSON.parse(datagram.subarray(TOKEN_BYTES + 1).toString('utf8')));
      return notice ? { kind: 'notice', notice } : undefined;
    }
  } catch {
    // not JSON: not ours
  }
  return undefined;
}

const TRANSPORTS = new Set(['UDP', 'TCP', 'TLS', 'WS', 'WSS']);
const STREAMS = new Set(['TCP', 'TLS', 'WS', 'WSS']);

/** A source as it travels: UDP, or a stream with the connection it came on (a response over TCP passed to its transaction's worker). */
function asSource(value: unknown): Source | undefined {
  const v = value as Partial<Source> | null;
  if (!v || typeof v.transport !== 'string' || !TRANSPORTS.has(v.transport)) return undefined;
  if (typeof v.address !== 'string' || typeof v.localAddress !== 'string') return undefined;
  if (!Number.isInteger(v.port) || !Number.isInteger(v.localPort)) return undefined;
  const stream = v.transport !== 'UDP';
  if (stream !== (typeof v.connectionId === 'string')) return undefined;
  return {
    transport: v.transport,
    address: v.address,
    port: v.port!,
    localAddress: v.localAddress,
    localPort: v.localPort!,
    ...(stream ? { connectionId: v.connectionId! } : {}),
  };
}

/** Where a `send` goes: a TCP/TLS/WS/WSS connection by id (the address, when known, for a new connection if it is gone). */
function asConnectionDestination(value: unknown): Destination | undefined {
  const v = value as Partial<Destination> | null;
  if (!v || typeof v.transport !== 'string' || !STREAMS.has(v.transport) || typeof v.connectionId !== 'string') return undefined;
  if (typeof v.address !== 'string' || !Number.isInteger(v.port)) return undefined;
  return { transport: v.transport, address: v.address, port: v.port!, connectionId: v.connectionId };
}

function asNotice(value: unknown): PeerNotice | undefined {
  const r = value as Partial<CallRefreshedNotice> | null;
  if (r?.type === 'call-refreshed') {
    if (typeof r.callId !== 'string' || typeof r.fromTag !== 'string' || !Number.isInteger(r.cseq) || typeof r.refreshed !== 'boolean') return undefined;
    if (r.sessionSeconds !== undefined && !(Number.isInteger(r.sessionSeconds) && r.sessionSeconds > 0)) return undefined;
    return {
      type: 'call-refreshed',
      callId: r.callId,
      fromTag: r.fromTag,
      cseq: r.cseq!,
      refreshed: r.refreshed,
      ...(r.sessionSeconds !== undefined ? { sessionSeconds: r.sessionSeconds } : {}),
    };
  }
  const v = value as Partial<CallEndedNotice> | null;
  if (!v || v.type !== 'call-ended' || typeof v.callId !== 'string' || typeof v.by !== 'string') return undefined;
  if (v.reason !== undefined && typeof v.reason !== 'string') return undefined;
  return { type: 'call-ended', callId: v.callId, by: v.by, ...(v.reason !== undefined ? { reason: v.reason } : {}) };
}

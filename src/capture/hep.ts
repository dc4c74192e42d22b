import { isIPv4, isIPv6 } from 'node:net';

/**
 * HEPv3 (Homer's capture protocol; no RFC): a "HEP3" header with the total
 * length, then chunks of vendor id (0 = generic), type id, length (the
 * 6-byte chunk header included) and value, all big-endian. Pure: bytes in,
 * bytes out.
 */
export const HEP3_MAGIC = 'HEP3';
export const HEP_HEADER_BYTES = 6;
export const HEP_CHUNK_HEADER_BYTES = 6;

/** Generic chunk types (vendor 0x0000) this encoder writes. */
export const HepChunk = {
  ipFamily: 0x0001,
  ipProtocol: 0x0002,
  ipv4Source: 0x0003,
  ipv4Destination: 0x0004,
  ipv6Source: 0x0005,
  ipv6Destination: 0x0006,
  sourcePort: 0x0007,
  destinationPort: 0x0008,
  timeSeconds: 0x0009,
  timeMicroseconds: 0x000a,
  protocolType: 0x000b,
  captureId: 0x000c,
  authKey: 0x000e,
  payload: 0x000f,
  correlationId: 0x0011,
} as const;

/** Values of the IP family chunk (AF_INET, AF_INET6) and of the IP protocol chunk. */
export const HEP_FAMILY = { ipv4: 2, ipv6: 10 } as const;
export const HEP_IP_PROTOCOL = { tcp: 6, udp: 17 } as const;
/** Protocol type chunk: 1 is SIP. */
export const HEP_PROTOCOL_SIP = 1;

export interface HepEndpoint {
  address: string;
  port: number;
}

export interface HepMessage {
  /** How the message travelled: UDP, or TCP (WebSocket runs over TCP). */
  ipProtocol: 'udp' | 'tcp';
  source: HepEndpoint;
  destination: HepEndpoint;
  /** Capture time, microseconds since the epoch. */
  timeMicros: bigint;
  captureId: number;
  /** Authentication key chunk, when the capture server wants one. */
  password?: string;
  /** Correlation id chunk (the Call-ID helps Homer group legs). */
  correlationId?: string;
  payload: Buffer;
}

/** The HEPv3 packet for one SIP message; throws when an address is not an IP literal. */
export function encodeHep3(message: HepMessage): Buffer {
  const [source, destination] = sameFamily(message.source.address, message.destination.address);
  const v6 = isIPv6(source);
  const password = message.password !== undefined ? Buffer.from(message.password, 'utf8') : undefined;
  const correlation = message.correlationId ? Buffer.from(message.correlationId, 'utf8') : undefined;
  const addressBytes = v6 ? 16 : 4;
  const length =
    HEP_HEADER_BYTES +
    2 * (HEP_CHUNK_HEADER_BYTES + 1) + // family, IP protocol
    2 * (HEP_CHUNK_HEADER_BYTES + addressBytes) +
    2 * (HEP_CHUNK_HEADER_BYTES + 2) + // ports
    2 * (HEP_CHUNK_HEADER_BYTES + 4) + // seconds, microseconds
    (HEP_CHUNK_HEADER_BYTES + 1) + // protocol type
    (HEP_CHUNK_HEADER_BYTES + 4) + // capture id
    (password ? HEP_CHUNK_HEADER_BYTES + password.length : 0) +
    (correlation ? HEP_CHUNK_HEADER_BYTES + correlation.length : 0) +
    (HEP_CHUNK_HEADER_BYTES + message.payload.length);
  if (length > 0xffff) throw new RangeError(`HEP packet of ${length} bytes exceeds the 16-bit length`);
  // One buffer written front to back: this runs for every SIP message sent and received.
  const out = Buffer.allocUnsafe(length);
  out.write(HEP3_MAGIC, 0, 'ascii');
  out.writeUInt16BE(length, 4);
  let at = HEP_HEADER_BYTES;
  const head = (type: number, valueLength: number): number => {
    out.writeUInt16BE(0x0000, at); // generic vendor
    out.writeUInt16BE(type, at + 2);
    out.writeUInt16BE(HEP_CHUNK_HEADER_BYTES + valueLength, at + 4);
    at += HEP_CHUNK_HEADER_BYTES + valueLength;
    return at - valueLength;
  };
  const bytes = (type: number, value: Buffer): void => {
    value.copy(out, head(type, value.length));
  };
  out.writeUInt8(v6 ? HEP_FAMILY.ipv6 : HEP_FAMILY.ipv4, head(HepChunk.ipFamily, 1));
  out.writeUInt8(HEP_IP_PROTOCOL[message.ipProtocol], head(HepChunk.ipProtocol, 1));
  bytes(v6 ? HepChunk.ipv6Source : HepChunk.ipv4Source, cachedIpBytes(source));
  bytes(v6 ? HepChunk.ipv6Destination : HepChunk.ipv4Destination, cachedIpBytes(destination));
  out.writeUInt16BE(message.source.port, head(HepChunk.sourcePort, 2));
  out.writeUInt16BE(message.destination.port, head(HepChunk.destinationPort, 2));
  out.writeUInt32BE(Number(message.timeMicros / 1_000_000n), head(HepChunk.timeSeconds, 4));
  out.writeUInt32BE(Number(message.timeMicros % 1_000_000n), head(HepChunk.timeMicroseconds, 4));
  out.writeUInt8(HEP_PROTOCOL_SIP, head(HepChunk.protocolType, 1));
  out.writeUInt32BE(message.captureId >>> 0, head(HepChunk.captureId, 4));
  if (password) bytes(HepChunk.authKey, password);
  if (correlation) bytes(HepChunk.correlationId, correlation);
  bytes(HepChunk.payload, message.payload);
  return out;
}

/** The same few addresses come back on every message: keep their bytes (bounded). */
const ipBytesCache = new Map<string, Buffer>();
const IP_CACHE_SIZE = 4096;

function cachedIpBytes(address: string): Buffer {
  let b = ipBytesCache.get(address);
  if (!b) {
    b = ipBytes(address);
    if (ipBytesCache.size >= IP_CACHE_SIZE) ipBytesCache.clear();
    ipBytesCache.set(address, b);
  }
  return b;
}

/** Both addresses in one family: IPv4-mapped IPv6 becomes IPv4; a v4 next to a v6 is written IPv4-mapped. */
export function sameFamily(a: string, b: string): [string, string] {
  const x = unmapped(a);
  const y = unmapped(b);
  if (isIPv4(x) && isIPv4(y)) return [x, y];
  return [isIPv4(x) ? `::ffff:${x}` : x, isIPv4(y) ? `::ffff:${y}` : y];
}

function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** The 4 or 16 bytes of an IP literal, most significant first. */
export function ipBytes(literal: string): Buffer {
  const address = literal.split('%')[0]!; // a zone id (fe80::1%eth0) is not on the wire
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) throw new TypeError(`not an IP address: ${address}`);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined): string[] => (part ? part.split(':') : []);
  let left = groups(head);
  let right = groups(tail);
  // A trailing dotted quad (::ffff:1.2.3.4) is two groups.
  const dotted = (list: string[]): string[] => {
    const last = list[list.length - 1];
    if (!last || !isIPv4(last)) return list;
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    return [...list.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
  };
  if (tail === undefined) left = dotted(left);
  else right = dotted(right);
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const all = [...left, ...zeros, ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

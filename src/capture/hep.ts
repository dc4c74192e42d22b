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
  const seconds = message.timeMicros / 1_000_000n;
  const micros = message.timeMicros % 1_000_000n;
  const chunks = [
    uint8(HepChunk.ipFamily, v6 ? HEP_FAMILY.ipv6 : HEP_FAMILY.ipv4),
    uint8(HepChunk.ipProtocol, HEP_IP_PROTOCOL[message.ipProtocol]),
    bytes(v6 ? HepChunk.ipv6Source : HepChunk.ipv4Source, ipBytes(source)),
    bytes(v6 ? HepChunk.ipv6Destination : HepChunk.ipv4Destination, ipBytes(destination)),
    uint16(HepChunk.sourcePort, message.source.port),
    uint16(HepChunk.destinationPort, message.destination.port),
    uint32(HepChunk.timeSeconds, Number(seconds)),
    uint32(HepChunk.timeMicroseconds, Number(micros)),
    uint8(HepChunk.protocolType, HEP_PROTOCOL_SIP),
    uint32(HepChunk.captureId, message.captureId),
    ...(message.password !== undefined ? [bytes(HepChunk.authKey, Buffer.from(message.password, 'utf8'))] : []),
    ...(message.correlationId ? [bytes(HepChunk.correlationId, Buffer.from(message.correlationId, 'utf8'))] : []),
    bytes(HepChunk.payload, message.payload),
  ];
  const length = HEP_HEADER_BYTES + chunks.reduce((sum, c) => sum + c.length, 0);
  if (length > 0xffff) throw new RangeError(`HEP packet of ${length} bytes exceeds the 16-bit length`);
  const header = Buffer.alloc(HEP_HEADER_BYTES);
  header.write(HEP3_MAGIC, 0, 'ascii');
  header.writeUInt16BE(length, 4);
  return Buffer.concat([header, ...chunks], length);
}

function chunk(type: number, valueLength: number): Buffer {
  const b = Buffer.alloc(HEP_CHUNK_HEADER_BYTES + valueLength);
  b.writeUInt16BE(0x0000, 0); // generic vendor
  b.writeUInt16BE(type, 2);
  b.writeUInt16BE(HEP_CHUNK_HEADER_BYTES + valueLength, 4);
  return b;
}

function uint8(type: number, value: number): Buffer {
  const b = chunk(type, 1);
  b.writeUInt8(value, HEP_CHUNK_HEADER_BYTES);
  return b;
}

function uint16(type: number, value: number): Buffer {
  const b = chunk(type, 2);
  b.writeUInt16BE(value, HEP_CHUNK_HEADER_BYTES);
  return b;
}

function uint32(type: number, value: number): Buffer {
  const b = chunk(type, 4);
  b.writeUInt32BE(value >>> 0, HEP_CHUNK_HEADER_BYTES);
  return b;
}

function bytes(type: number, value: Buffer): Buffer {
  const b = chunk(type, value.length);
  value.copy(b, HEP_CHUNK_HEADER_BYTES);
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

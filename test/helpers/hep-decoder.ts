/**
 * A HEPv3 decoder written from the chunk layout (not from the encoder), for
 * tests: checks the header and every chunk's framing, and returns the
 * generic chunks by type.
 */
export interface DecodedHep {
  family: number;
  ipProtocol: number;
  sourceAddress: string;
  destinationAddress: string;
  sourcePort: number;
  destinationPort: number;
  seconds: number;
  micros: number;
  protocolType: number;
  captureId: number;
  authKey?: string;
  correlationId?: string;
  payload: Buffer;
  /** Chunk type ids in the order they came. */
  types: number[];
}

export function decodeHep3(packet: Buffer): DecodedHep {
  if (packet.subarray(0, 4).toString('ascii') !== 'HEP3') throw new Error('no HEP3 magic');
  const total = packet.readUInt16BE(4);
  if (total !== packet.length) throw new Error(`length field ${total} but ${packet.length} bytes`);
  const chunks = new Map<number, Buffer>();
  const types: number[] = [];
  let at = 6;
  while (at < total) {
    if (at + 6 > total) throw new Error(`truncated chunk header at ${at}`);
    const vendor = packet.readUInt16BE(at);
    const type = packet.readUInt16BE(at + 2);
    const length = packet.readUInt16BE(at + 4);
    if (length < 6 || at + length > total) throw new Error(`chunk ${type} length ${length} overruns at ${at}`);
    if (vendor !== 0) throw new Error(`vendor ${vendor} chunk`);
    chunks.set(type, packet.subarray(at + 6, at + length));
    types.push(type);
    at += length;
  }
  const need = (type: number): Buffer => {
    const v = chunks.get(type);
    if (!v) throw new Error(`chunk 0x${type.toString(16)} missing`);
    return v;
  };
  const family = need(0x01).readUInt8(0);
  const v6 = family === 10;
  const address = (b: Buffer): string => (v6 ? Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':') : [...b].join('.'));
  const expect = (b: Buffer, size: number, what: string): Buffer => {
    if (b.length !== size) throw new Error(`${what}: ${b.length} bytes, not ${size}`);
    return b;
  };
  return {
    family,
    ipProtocol: expect(need(0x02), 1, 'ip protocol').readUInt8(0),
    sourceAddress: address(expect(need(v6 ? 0x05 : 0x03), v6 ? 16 : 4, 'source address')),
    destinationAddress: address(expect(need(v6 ? 0x06 : 0x04), v6 ? 16 : 4, 'destination address')),
    sourcePort: expect(need(0x07), 2, 'source port').readUInt16BE(0),
    destinationPort: expect(need(0x08), 2, 'destination port').readUInt16BE(0),
    seconds: expect(need(0x09), 4, 'seconds').readUInt32BE(0),
    micros: expect(need(0x0a), 4, 'microseconds').readUInt32BE(0),
    protocolType: expect(need(0x0b), 1, 'protocol type').readUInt8(0),
    captureId: expect(need(0x0c), 4, 'capture id').readUInt32BE(0),
    ...(chunks.has(0x0e) ? { authKey: chunks.get(0x0e)!.toString('utf8') } : {}),
    ...(chunks.has(0x11) ? { correlationId: chunks.get(0x11)!.toString('utf8') } : {}),
    payload: Buffer.from(need(0x0f)),
    types,
  };
}

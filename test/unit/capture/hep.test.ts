import t from 'tap';
import { encodeHep3, ipBytes, sameFamily } from '../../../src/capture/hep.js';
import { decodeHep3 } from '../../helpers/hep-decoder.js';

const invite = Buffer.from('INVITE sip:0312345678@127.0.0.1 SIP/2.0\r\nCall-ID: abc@h\r\n\r\n');
const base = {
  ipProtocol: 'udp' as const,
  source: { address: '127.0.0.1', port: 5080 },
  destination: { address: '192.0.2.7', port: 5060 },
  timeMicros: 1_790_000_000_123_456n,
  captureId: 2001,
  payload: invite,
};

t.test('the header and the first chunks are laid out byte by byte as HEPv3 says', async (t) => {
  const packet = encodeHep3(base);
  t.equal(packet.subarray(0, 4).toString('ascii'), 'HEP3', 'magic');
  t.equal(packet.readUInt16BE(4), packet.length, 'total length, header included');
  // chunk: vendor 0x0000, type 0x0001 (IP family), length 7, value 2 (AF_INET)
  t.same([...packet.subarray(6, 13)], [0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 0x02], 'IP family chunk');
  // type 0x0002 (IP protocol), length 7, value 17 (UDP)
  t.same([...packet.subarray(13, 20)], [0x00, 0x00, 0x00, 0x02, 0x00, 0x07, 17], 'IP protocol chunk');
  // type 0x0003 (IPv4 source), length 10, 127.0.0.1
  t.same([...packet.subarray(20, 30)], [0x00, 0x00, 0x00, 0x03, 0x00, 0x0a, 127, 0, 0, 1], 'IPv4 source chunk');
  // 6 + 7 + 7 + 10 + 10 (dst) + 8 + 8 (ports) + 10 + 10 (time) + 7 (proto) + 10 (capture id) + 6 + payload
  t.equal(packet.length, 6 + 7 + 7 + 10 + 10 + 8 + 8 + 10 + 10 + 7 + 10 + 6 + invite.length, 'no other chunks');
});

t.test('every chunk decodes to what was captured', async (t) => {
  const d = decodeHep3(encodeHep3(base));
  t.equal(d.family, 2, 'IPv4');
  t.equal(d.ipProtocol, 17, 'UDP');
  t.equal(d.sourceAddress, '127.0.0.1');
  t.equal(d.destinationAddress, '192.0.2.7');
  t.equal(d.sourcePort, 5080);
  t.equal(d.destinationPort, 5060);
  t.equal(d.seconds, 1_790_000_000, 'seconds');
  t.equal(d.micros, 123_456, 'microseconds within the second');
  t.equal(d.protocolType, 1, 'SIP');
  t.equal(d.captureId, 2001);
  t.equal(d.authKey, undefined, 'no password chunk unless configured');
  t.same(d.payload, invite, 'payload byte for byte');
  t.equal(d.types.at(-1), 0x0f, 'payload chunk last');
});

t.test('TCP, a password, a correlation id and a capture id above 2^31', async (t) => {
  const d = decodeHep3(encodeHep3({ ...base, ipProtocol: 'tcp', password: 'homer-key', correlationId: 'abc@h', captureId: 4_000_000_000 }));
  t.equal(d.ipProtocol, 6, 'TCP');
  t.equal(d.authKey, 'homer-key', 'authentication key chunk (0x000e)');
  t.equal(d.correlationId, 'abc@h', 'correlation id chunk (0x0011)');
  t.equal(d.captureId, 4_000_000_000, 'capture id is unsigned 32-bit');
});

t.test('IPv6, and a v4 address next to a v6 one is written v4-mapped', async (t) => {
  const d = decodeHep3(encodeHep3({ ...base, source: { address: '2001:db8::1', port: 5060 }, destination: { address: '::1', port: 5070 } }));
  t.equal(d.family, 10, 'AF_INET6');
  t.equal(d.sourceAddress, '2001:db8:0:0:0:0:0:1');
  t.equal(d.destinationAddress, '0:0:0:0:0:0:0:1');
  t.same(sameFamily('::ffff:127.0.0.1', '127.0.0.2'), ['127.0.0.1', '127.0.0.2'], 'mapped addresses are IPv4');
  t.same(sameFamily('127.0.0.1', '::1'), ['::ffff:127.0.0.1', '::1'], 'mixed: v4-mapped');
  t.same([...ipBytes('::ffff:1.2.3.4')], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  t.same([...ipBytes('fe80::1%eth0')].slice(0, 2), [0xfe, 0x80], 'zone id dropped');
  t.throws(() => ipBytes('example.net'), TypeError, 'a name is not an address');
});

t.test('a message too big for the 16-bit length is refused, not truncated', async (t) => {
  t.throws(() => encodeHep3({ ...base, payload: Buffer.alloc(65_500) }), RangeError);
});

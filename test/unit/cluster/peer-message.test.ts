import t from 'tap';
import { decodePeerMessage, encodeNotice, encodePassed, encodeSend, MAX_DATAGRAM, TOKEN_BYTES } from '../../../src/cluster/peer-message.js';
import type { Source } from '../../../src/core/transport/transport.js';

/** The workers' channel datagrams: the SIP bytes as they came, the source beside them, and the node's token. */
const token = Buffer.alloc(TOKEN_BYTES, 7);
const source: Source = { transport: 'UDP', address: '192.0.2.10', port: 5070, localAddress: '0.0.0.0', localPort: 5060 };
const sip = Buffer.from('SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKw2.x\r\n\r\n');

t.test('a passed message comes out as it went in', async (t) => {
  const datagram = encodePassed(token, 2, source, sip)!;
  const decoded = decodePeerMessage(token, datagram);
  t.same(decoded, { kind: 'passed', origin: 2, source, data: sip });
});

t.test('a stream source travels with its connection; a UDP one without', async (t) => {
  const tcp: Source = { ...source, transport: 'TCP', connectionId: 'tcp-0a1bw1-4' };
  const decoded = decodePeerMessage(token, encodePassed(token, 1, tcp, sip)!);
  t.same(decoded && decoded.kind === 'passed' ? decoded.source : undefined, tcp, 'a response that came on a connection');
  t.equal(
    decodePeerMessage(token, encodePassed(token, 1, { ...source, transport: 'TCP' }, sip)!),
    undefined,
    'a stream source without its connection is refused',
  );
  const udp = decodePeerMessage(token, encodePassed(token, 1, { ...source, connectionId: 'tcp-1-1' }, sip)!);
  t.equal(udp, undefined, 'a UDP source naming a connection is refused');
});

t.test('bytes to send on a connection another worker holds', async (t) => {
  const destination = { transport: 'TCP' as const, address: '192.0.2.20', port: 40112, connectionId: 'tcp-0a1bw2-9' };
  t.same(decodePeerMessage(token, encodeSend(token, destination, sip)!), { kind: 'send', destination, data: sip });
  const noConnection = encodeSend(token, { transport: 'TCP', address: '192.0.2.20', port: 40112 }, sip)!;
  t.equal(decodePeerMessage(token, noConnection), undefined, 'only on a connection');
  t.equal(decodePeerMessage(token, encodeSend(token, { ...destination, transport: 'UDP' }, sip)!), undefined, 'never UDP: any worker sends that itself');
  t.equal(encodeSend(token, destination, Buffer.alloc(MAX_DATAGRAM)), undefined, 'too big for one datagram');
  for (const transport of ['TLS', 'WS', 'WSS'] as const) {
    const on = { ...destination, transport, connectionId: `${transport.toLowerCase()}-0a1bw2-9` };
    t.same(decodePeerMessage(token, encodeSend(token, on, sip)!), { kind: 'send', destination: on, data: sip }, `${transport} too`);
  }
});

t.test('a datagram without the node token, or malformed, is dropped', async (t) => {
  const other = Buffer.alloc(TOKEN_BYTES, 8);
  t.equal(decodePeerMessage(token, encodePassed(other, 1, source, sip)!), undefined, 'another token');
  t.equal(decodePeerMessage(token, Buffer.from('short')), undefined, 'too short');
  const garbled = encodePassed(token, 1, source, sip)!;
  garbled.writeUInt16BE(3, TOKEN_BYTES + 3); // the source JSON cut short
  t.equal(decodePeerMessage(token, garbled), undefined, 'source not JSON');
  const empty = encodePassed(token, 1, source, Buffer.alloc(0))!;
  t.equal(decodePeerMessage(token, empty), undefined, 'no SIP message');
  const unknownKind = Buffer.from(encodeNotice(token, { type: 'call-ended', callId: 'c', by: 'a:1' }));
  unknownKind.writeUInt8(9, TOKEN_BYTES);
  t.equal(decodePeerMessage(token, unknownKind), undefined, 'unknown kind');
});

t.test('a message too big for one loopback datagram is not encoded (the worker keeps it)', async (t) => {
  t.equal(encodePassed(token, 1, source, Buffer.alloc(MAX_DATAGRAM)), undefined);
});

t.test('a call-ended notice round-trips; anything else is refused', async (t) => {
  const notice = { type: 'call-ended' as const, callId: 'abc@x', by: '192.0.2.10:5070', reason: 'Q.850;cause=16' };
  t.same(decodePeerMessage(token, encodeNotice(token, notice)), { kind: 'notice', notice });
  const odd = Buffer.concat([token, Buffer.from([2]), Buffer.from(JSON.stringify({ type: 'call-ended', callId: 5, by: 'x' }))]);
  t.equal(decodePeerMessage(token, odd), undefined, 'callId not a string');
});

t.test('a call-refreshed notice round-trips; a malformed one is refused', async (t) => {
  const notice = { type: 'call-refreshed' as const, callId: 'abc@x', fromTag: 'callee-tag', cseq: 3, refreshed: true, sessionSeconds: 90 };
  t.same(decodePeerMessage(token, encodeNotice(token, notice)), { kind: 'notice', notice });
  const request = { type: 'call-refreshed' as const, callId: 'abc@x', fromTag: 'callee-tag', cseq: 4, refreshed: false };
  t.same(decodePeerMessage(token, encodeNotice(token, request)), { kind: 'notice', notice: request }, 'no interval: a CSeq only');
  const raw = (value: object) => Buffer.concat([token, Buffer.from([2]), Buffer.from(JSON.stringify(value))]);
  t.equal(decodePeerMessage(token, raw({ ...notice, cseq: '3' })), undefined, 'CSeq not a number');
  t.equal(decodePeerMessage(token, raw({ ...notice, sessionSeconds: -1 })), undefined, 'interval not positive');
  t.equal(decodePeerMessage(token, raw({ ...notice, refreshed: 'yes' })), undefined, 'refreshed not a boolean');
});

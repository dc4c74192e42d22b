// Micro-benchmark: parse a typical REGISTER (with Authorization) and a typical
// INVITE with SDP, then read the fields a registrar needs, through the message
// accessors the server uses (parsed values cached per message). Prints messages/s.
// Run: node --import tsx bench/parser.ts   (or node dist/bench/parser.js after tsc)
import { parseMessage } from '../src/core/messages/index.js';

const CRLF = '\r\n';
const REGISTER = Buffer.from(
  [
    'REGISTER sip:example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=1928301774',
    'To: "Alice" <sip:alice@example.com>',
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 314160 REGISTER',
    'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
    'Expires: 3600',
    'User-Agent: ExamplePhone/1.2.3',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, NOTIFY, REFER',
    'Authorization: Digest username="alice", realm="example.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="sip:example.com", response="e6f99bf4a1b2f0c5f1d4c1a3b0e9d8c7", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    'Content-Length: 0',
    '',
    '',
  ].join(CRLF),
  'latin1',
);

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.10',
  's=-',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join(CRLF);
const INVITE = Buffer.from(
  [
    'INVITE sip:bob@example.com SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKnashds8;rport',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@example.com>;tag=1928301774',
    'To: <sip:bob@example.com>',
    'Call-ID: a84b4c76e66711@pc33.example.com',
    'CSeq: 1 INVITE',
    'Contact: <sip:alice@192.0.2.10:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, NOTIFY, REFER',
    'Supported: replaces, timer',
    'User-Agent: ExamplePhone/1.2.3',
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(SDP)}`,
    '',
    SDP,
  ].join(CRLF),
  'latin1',
);

let sink = 0;

function readFields(data: Buffer): void {
  const m = parseMessage(data);
  const h = m.headers;
  const branch = m.topVia()?.params['branch'];
  const fromTag = m.from()?.params['tag'];
  const to = m.to()?.uri;
  const callId = h.get('call-id');
  const cseq = m.cseq();
  const contacts = m.contacts();
  const expires = h.get('expires');
  const creds = m.credentials('authorization')[0];
  sink +=
    (branch?.length ?? 0) +
    (fromTag?.length ?? 0) +
    (to?.length ?? 0) +
    (callId?.length ?? 0) +
    (cseq?.seq ?? 0) +
    (Array.isArray(contacts) ? contacts.length : 0) +
    (expires?.length ?? 0) +
    (creds?.params['response']?.length ?? 0);
}

function parseOnly(data: Buffer): void {
  sink += parseMessage(data).headers.size;
}

function run(label: string, data: Buffer, fn: (d: Buffer) => void, seconds: number): void {
  for (let i = 0; i < 50_000; i++) fn(data); // warm-up
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 10_000; i++) fn(data);
    count += 10_000;
    elapsed = process.hrtime.bigint() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  const wallRate = Math.round(count / (Number(elapsed) / 1e9));
  // Per CPU-second: what one core does, independent of other load on the machine.
  const cpuRate = Math.round(count / ((cpu.user + cpu.system) / 1e6));
  console.log(`${label}: ${cpuRate.toLocaleString('en-US')} msg/s (per CPU-second; wall clock ${wallRate.toLocaleString('en-US')} msg/s)`);
}

const seconds = Number(process.env['BENCH_SECONDS'] ?? 2);
run('REGISTER parse only', REGISTER, parseOnly, seconds);
run('REGISTER parse+read', REGISTER, readFields, seconds);
run('INVITE parse only', INVITE, parseOnly, seconds);
run('INVITE parse+read', INVITE, readFields, seconds);
if (sink === 42) console.log('');

import t from 'tap';
import { callerCsv, callsProvisioningDoc, calleesByNumber, makeTrunks, BLOCKED_CALLERS } from '../../../bench/lib/calls-setup.js';
import { inviteFilter, kernelDrops } from '../../../bench/lib/capture.js';
import { inviteTimings, percentile, readPcapUdp, sipCallId } from '../../../bench/lib/pcap.js';
import { summarizeSippErrors } from '../../../bench/lib/sipp.js';
import { makeUsers } from '../../../bench/lib/users.js';
import { parseProvisioning } from '../../../src/provisioning/schema.js';

/** A little-endian, microsecond pcap of Ethernet frames carrying UDP/IPv4, as tcpdump -i lo writes. */
function pcap(packets: Array<{ t: number; src: [string, number]; dst: [string, number]; text: string }>): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20); // Ethernet
  const parts = [head];
  for (const p of packets) {
    const payload = Buffer.from(p.text, 'latin1');
    const frame = Buffer.alloc(14 + 20 + 8 + payload.length);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(20 + 8 + payload.length, 16);
    frame[23] = 17;
    p.src[0].split('.').forEach((b, i) => {
      frame[26 + i] = Number(b);
    });
    p.dst[0].split('.').forEach((b, i) => {
      frame[30 + i] = Number(b);
    });
    frame.writeUInt16BE(p.src[1], 34);
    frame.writeUInt16BE(p.dst[1], 36);
    frame.writeUInt16BE(8 + payload.length, 38);
    payload.copy(frame, 42);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.t), 0);
    rec.writeUInt32LE(Math.round((p.t % 1) * 1e6), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  return Buffer.concat(parts);
}

const invite = (callId: string, toTag = ''): string =>
  `INVITE sip:0390000001@bench.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5070\r\nTo: <sip:0390000001@bench.test>${toTag}\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\n\r\nv=0\r\n`;

const caller: [string, number] = ['127.0.0.2', 5070];
const proxy: [string, number] = ['127.0.0.1', 5080];
const callee: [string, number] = ['127.0.0.1', 5090];

t.test('readPcapUdp reads addresses, ports, payload and microsecond times', async (t) => {
  const packets = readPcapUdp(pcap([{ t: 100.25, src: caller, dst: proxy, text: invite('a@x') }]));
  t.equal(packets.length, 1);
  t.match(packets[0], { srcIp: '127.0.0.2', srcPort: 5070, dstIp: '127.0.0.1', dstPort: 5080 });
  t.equal(packets[0]!.timeMs, 100250);
  t.equal(sipCallId(packets[0]!.payload), 'a@x');
  t.throws(() => readPcapUdp(Buffer.alloc(24)), /not a pcap/);
});

t.test('inviteTimings pairs first INVITE in with first INVITE out by Call-ID', async (t) => {
  const file = pcap([
    { t: 1.0, src: caller, dst: proxy, text: invite('one') },
    { t: 1.0005, src: proxy, dst: callee, text: invite('one') },
    { t: 1.5, src: caller, dst: proxy, text: invite('one') }, // retransmission: ignored
    { t: 1.5002, src: proxy, dst: callee, text: invite('one') },
    { t: 2.0, src: caller, dst: proxy, text: `SIP/2.0 180 Ringing\r\nCall-ID: two\r\n\r\n` },
    { t: 2.0, src: caller, dst: proxy, text: invite('two').replace('Call-ID', 'i') }, // compact form
    { t: 2.002, src: proxy, dst: callee, text: invite('two') },
    { t: 3.0, src: caller, dst: proxy, text: invite('lost') },
    { t: 3.0, src: caller, dst: proxy, text: invite('reinvite', ';tag=x') }, // in-dialog: not an initial INVITE
    { t: 3.1, src: proxy, dst: callee, text: invite('reinvite', ';tag=x') },
    { t: 4.0, src: proxy, dst: callee, text: invite('orphan') },
  ]);
  const r = inviteTimings(readPcapUdp(file), '127.0.0.1', 5080);
  t.same(
    r.latenciesMs.map((x) => Math.round(x * 1000) / 1000).sort((a, b) => a - b),
    [0.5, 2],
  );
  t.equal(r.notForwarded, 1);
  t.equal(r.unmatched, 1);
});

t.test('percentile is nearest-rank', async (t) => {
  const v = Array.from({ length: 100 }, (_, i) => 100 - i);
  t.equal(percentile(v, 50), 50);
  t.equal(percentile(v, 99), 99);
  t.equal(percentile(v, 100), 100);
  t.equal(percentile([7], 99), 7);
  t.equal(percentile([], 50), undefined);
});

t.test('capture helpers', async (t) => {
  t.equal(inviteFilter(5080), 'udp and port 5080 and udp[8:4] = 0x494e5649');
  t.equal(kernelDrops('12 packets captured\n12 packets received by filter\n3 packets dropped by kernel\n'), 3);
  t.equal(kernelDrops('nothing'), undefined);
});

t.test('the provisioning document of the calls bench is accepted by the provisioning schema', async (t) => {
  const trunks = makeTrunks(2);
  const callees = makeUsers(3);
  const file = parseProvisioning(callsProvisioningDoc(trunks, callees), { allowLoopback: true }); // the bench's trunks are on 127.0.0.x
  const site = file.voiceGroups[0]!.sites[0]!;
  t.same(
    site.lines.filter((l) => l.auth === 'ip').map((l) => l.allowedAddresses),
    [['127.0.0.2'], ['127.0.0.3']],
  );
  t.equal(site.bulkGroups[0]!.state, 'stopped');
  const f = file.features['0390000001']!;
  t.equal(f.anonymousRejection, true);
  t.same(f.blockedCallers, BLOCKED_CALLERS);
  t.match(f.forwarding, { enabled: true, unconditional: false, busy: true, noAnswer: true, unreachable: true });
  t.equal(f.forwarding!.destinations[0], '0390000002');
  t.equal(file.features['0380000001']!.internationalBar, true);
  // The callers are on no block list, so the nuisance stage passes them.
  for (const tr of trunks) t.notOk(BLOCKED_CALLERS.includes(tr.number));
});

t.test('caller CSV and Kamailio callees', async (t) => {
  const [trunk] = makeTrunks(1);
  const callees = makeUsers(2);
  t.equal(callerCsv(trunk!, callees, 'bench.test'), 'SEQUENTIAL\n0390000001;0380000001;bench.test\n0390000002;0380000001;bench.test\n');
  t.same(
    calleesByNumber(callees).map((c) => c.sipId),
    ['0390000001', '0390000002'],
  );
  t.throws(() => makeTrunks(0));
});

t.test('summarizeSippErrors counts why calls failed, most frequent first', async (t) => {
  const unexpected = (status: string) =>
    `2026-11-22\t03:50:17.988754\t1795319417.988754: Aborting call on unexpected message for Call-Id '31-8058@127.0.0.2': while expecting '200' (index 4), received '${status}\nVia: SIP/2.0/UDP 127.0.0.2:59415\n\n'`;
  const timeout =
    '2026-11-22\t03:50:44.634936\t1795319444.634936: Call-Id: 27-8345@127.0.0.2, receive timeout on message bench call:3 without label to jump to (ontimeout attribute): aborting call';
  const text = [
    'The following events occurred:',
    unexpected('SIP/2.0 486 Busy Here'),
    timeout,
    unexpected('SIP/2.0 486 Busy Here'),
    unexpected('SIP/2.0 503 Service Unavailable'),
  ].join('\n');
  t.equal(summarizeSippErrors(text), '2x unexpected SIP/2.0 486 Busy Here, 1x unexpected SIP/2.0 503 Service Unavailable, 1x receive timeout');
  t.equal(summarizeSippErrors(''), '');
});

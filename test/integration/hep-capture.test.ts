import dgram from 'node:dgram';
import t from 'tap';
import { answer, callFrom, registerTrunk, sippCallId, startCallStack, trunk } from '../helpers/call-harness.js';
import { decodeHep3, type DecodedHep } from '../helpers/hep-decoder.js';
import { describeSipp, receivedMessages, sentMessages } from '../helpers/sipp.js';

/**
 * SIP capture (HEPv3 to a Homer server): a UDP socket plays the capture
 * server; a call through the real server reaches it as one HEP packet per
 * message sent and received, each with its addresses, ports, time, capture
 * id, password and the message itself.
 */
const hep = dgram.createSocket('udp4');
await new Promise<void>((resolve) => hep.bind(0, '127.0.0.1', resolve));
t.teardown(() => hep.close());
const captured: Array<{ at: number; packet: DecodedHep }> = [];
const undecodable: string[] = [];
hep.on('message', (data) => {
  try {
    captured.push({ at: Date.now(), packet: decodeHep3(data) });
  } catch (err) {
    undecodable.push(String(err));
  }
});

const alice = await trunk('alice', 'alice-pass-123');
const bob = await trunk('bob', 'bob-secret-456');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Capture',
        sites: [
          {
            id: '1000001',
            name: 'Site',
            lines: [
              { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 2, basicNumber: '0312340001' },
              { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: '0312340002' },
            ],
          },
        ],
      },
    ],
  },
  1,
  { extra: { hep: { address: '127.0.0.1', port: hep.address().port, captureId: 4242, password: 'homer-key' } } },
);
const node = stack.nodes[0]!;
await registerTrunk(node, bob);

/** First line of a SIP message. */
const startLine = (payload: Buffer): string => payload.toString('latin1').split('\r\n')[0]!;
/** Comparable text: SIPp's log has CRLF line ends and no trailing blank lines. */
const text = (payload: Buffer): string => payload.toString('latin1').replace(/\r?\n/g, '\r\n').trim();

t.test('every message of a call reaches the capture server, decoded chunk by chunk', async (t) => {
  const started = Date.now();
  const callee = await answer(node, 'call-callee.xml', bob);
  const caller = await callFrom(node, alice, { called: '0312340002', from: '0312340001', expect: 200 });
  t.equal(caller.code, 0, 'the call went through', describeSipp(caller));
  t.equal((await callee.done).code, 0, 'the callee answered', describeSipp(await callee.done));
  const callId = sippCallId(caller)!;
  // The last message (200 to the BYE) is captured as it is sent; wait for it, bounded.
  const deadline = Date.now() + 5000;
  const ofCall = () => captured.filter((c) => c.packet.payload.toString('latin1').includes(`Call-ID: ${callId}`));
  while (Date.now() < deadline && ofCall().filter((c) => /^SIP\/2\.0 200 .*/.test(startLine(c.packet.payload))).length < 4) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.same(undecodable, [], 'every packet decodes');
  // A retransmission is a byte-identical copy: count each message once, so timing cannot change the sequence.
  const packets = ofCall()
    .map((c) => c.packet)
    .filter((p, i, all) => all.findIndex((q) => q.payload.equals(p.payload) && q.sourcePort === p.sourcePort) === i);
  const callerPort = Number(/^Via: SIP\/2\.0\/UDP [^:]+:(\d+)/m.exec(sentMessages(caller)[0]!)?.[1]);

  const fromCaller = packets.filter((p) => p.sourcePort === callerPort).map((p) => startLine(p.payload).split(' ')[0]);
  t.same(fromCaller, ['INVITE', 'ACK', 'INVITE', 'ACK', 'BYE'], 'received from the caller: INVITE (407), ACK, INVITE, ACK, BYE');
  const toCaller = packets.filter((p) => p.destinationPort === callerPort).map((p) => startLine(p.payload));
  for (const status of ['100', '407', '180', '200'])
    t.ok(
      toCaller.some((l) => l.startsWith(`SIP/2.0 ${status} `)),
      `sent to the caller: ${status}`,
    );
  const toCallee = packets.filter((p) => p.destinationPort === bob.port).map((p) => startLine(p.payload).split(' ')[0]);
  t.same(toCallee, ['INVITE', 'ACK', 'BYE'], 'sent to the callee: INVITE, ACK, BYE');
  const fromCallee = packets.filter((p) => p.sourcePort === bob.port).map((p) => startLine(p.payload));
  t.ok(
    fromCallee.some((l) => l.startsWith('SIP/2.0 180 ')) && fromCallee.filter((l) => l.startsWith('SIP/2.0 200 ')).length >= 2,
    'received from the callee: 180, 200 (INVITE) and 200 (BYE)',
  );

  for (const p of packets) {
    t.equal(p.family, 2, 'IPv4');
    t.equal(p.ipProtocol, 17, 'UDP');
    t.equal(p.protocolType, 1, 'SIP');
    t.equal(p.captureId, 4242, 'the configured capture id');
    t.equal(p.authKey, 'homer-key', 'the configured password chunk');
    t.equal(p.sourceAddress, '127.0.0.1');
    t.equal(p.destinationAddress, '127.0.0.1');
    t.ok(p.sourcePort === node.port || p.destinationPort === node.port, 'one end is the server');
    const ms = p.seconds * 1000 + p.micros / 1000;
    t.ok(ms >= started - 1000 && ms <= Date.now() + 1000, 'time of capture, now');
  }

  const inviteIn = packets.filter((p) => p.sourcePort === callerPort && startLine(p.payload).startsWith('INVITE ')).at(-1)!;
  const sentInvite = sentMessages(caller)
    .filter((m) => m.startsWith('INVITE '))
    .at(-1)!;
  t.equal(text(inviteIn.payload), sentInvite, 'the received INVITE, byte for byte as the caller sent it');
  const inviteOut = packets.find((p) => p.destinationPort === bob.port && startLine(p.payload).startsWith('INVITE '))!;
  t.equal(
    text(inviteOut.payload),
    receivedMessages(await callee.done).find((m) => m.startsWith('INVITE ')),
    'the INVITE sent on, as the callee got it',
  );
});

import net from 'node:net';
import t from 'tap';
import { answer, callFrom, DOMAIN, headerValues, receivedInvite, registerTrunk, requestUri, settled, startCallStack, trunk } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { DigestUa, RawSipClient, type RawMessage, type RawTransport } from '../helpers/raw-sip-client.js';
import { describeSipp } from '../helpers/sipp.js';
import { UdpSink } from '../helpers/udp-sink.js';

/**
 * Real-world set-ups (docs/product.md §2). A callee behind NAT (docs/product.md §2): it registered from one port while
 * its Contact (in the REGISTER and in its 200) names another, which nothing
 * answers, as a phone's private address would be. The call's ACK and BYE
 * must come back on the flow it registered from (the UDP source, the TCP
 * connection it opened), recorded in our Record-Route, not go to the Contact.
 * When that connection is gone, the Contact is tried and the event logged.
 */
const ALICE = '0312340031';
const CALLEE = '0312340032';
const PHONE = '0312340033';
const alice = await trunk('nat-alice', 'alice-pass-731');
const phone = await trunk('desk-phone', 'phone-pass-519');
const calleeLine = { sipId: 'nat-callee', password: 'callee-pass-246' };
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VGN',
      name: 'NAT',
      sites: [
        {
          id: '1000031',
          name: 'Site',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 4, basicNumber: ALICE },
            { sipId: calleeLine.sipId, password: calleeLine.password, auth: 'digest', channels: 4, basicNumber: CALLEE },
            { sipId: phone.sipId, password: phone.password, auth: 'digest', channels: 1, basicNumber: PHONE, delivery: 'contact' },
          ],
        },
      ],
    },
  ],
});
const node = stack.nodes[0]!;
await registerTrunk(node, alice);
await registerTrunk(node, phone);

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\n';

/** The callee registers from its socket with a Contact at `natPort`, where nothing SIP answers. */
async function natCallee(transport: RawTransport, natPort: number): Promise<RawSipClient> {
  const client = await RawSipClient.open(transport, { port: node.port });
  t.teardown(() => client.close());
  const ua = new DigestUa(client, { user: calleeLine.sipId, password: calleeLine.password, domain: DOMAIN });
  const ok = await ua.register({ contacts: [`<sip:${CALLEE}@127.0.0.1:${natPort};transport=${transport}>`], expires: 600 });
  if (ok.status !== 200) throw new Error(`the callee could not register: ${ok.status}`);
  return client;
}

/** Answer the next INVITE with 200, its Contact still the private one. */
async function answerInvite(callee: RawSipClient, natPort: number, since: number): Promise<RawMessage> {
  const invite = await callee.waitFor((m) => !m.isResponse && m.method === 'INVITE', { since, timeoutMs: 10_000 });
  callee.sendRaw(
    callee.buildResponse(invite, 200, 'OK', {
      toTag: 'nat-callee-tag',
      headers: [
        ['Contact', `<sip:${CALLEE}@127.0.0.1:${natPort};transport=${callee.transport}>`],
        ['Content-Type', 'application/sdp'],
      ],
      body: SDP,
    }),
  );
  return invite;
}

for (const transport of ['udp', 'tcp'] as const) {
  t.test(`${transport.toUpperCase()}: the ACK and BYE reach the callee where it registered from, not its Contact`, async (t) => {
    const natPort = await freePort();
    const contactHits: string[] = [];
    if (transport === 'udp') {
      const sink = await UdpSink.open('127.0.0.1', natPort);
      t.teardown(() => sink.close());
      sink.onMessage = (m) => contactHits.push(m.isResponse ? String(m.status) : m.method);
    } else {
      const server = net.createServer((socket) => {
        contactHits.push('connection');
        socket.destroy();
      });
      await new Promise<void>((resolve) => server.listen(natPort, '127.0.0.1', resolve));
      t.teardown(() => server.close());
    }
    const callee = await natCallee(transport, natPort);
    const since = callee.received.length;
    const mark = node.mark();
    const call = callFrom(node, alice, { called: CALLEE, from: ALICE, expect: 200, holdMs: 300 });
    const invite = await answerInvite(callee, natPort, since);
    t.ok(invite.all('record-route').length >= 1, 'we record-route the call');
    const ack = await callee.waitFor((m) => !m.isResponse && m.method === 'ACK', { since, timeoutMs: 8_000 });
    t.equal(ack.callId, invite.callId, 'the ACK came on the flow');
    const bye = await callee.waitFor((m) => !m.isResponse && m.method === 'BYE', { since, timeoutMs: 8_000 });
    callee.sendRaw(callee.buildResponse(bye, 200, 'OK'));
    const result = await call;
    t.equal(result.code, 0, 'the caller got its 200 to the BYE', describeSipp(result));
    await settled(node, mark, result);
    t.same(contactHits, [], 'nothing went to the private Contact');
  });
}

t.test('TCP: when the connection is gone, the BYE goes to the Contact and the event is logged', async (t) => {
  const natPort = await freePort();
  let contactConnections = 0;
  const server = net.createServer((socket) => {
    contactConnections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(natPort, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const callee = await natCallee('tcp', natPort);
  const since = callee.received.length;
  const mark = node.mark();
  const call = callFrom(node, alice, { called: CALLEE, from: ALICE, expect: 200, holdMs: 1_500 });
  await answerInvite(callee, natPort, since);
  await callee.waitFor((m) => !m.isResponse && m.method === 'ACK', { since, timeoutMs: 8_000 });
  callee.close(); // the phone crashed, or its NAT binding expired
  await call; // the caller's BYE gets no 200: the callee is gone
  const gone = node.events('dialog.flow_gone', mark);
  t.equal(gone.length, 1, 'one dialog.flow_gone event');
  t.match(gone[0], { flow: 'TCP', method: 'BYE', reason: 'flow gone: sent to the contact' });
  t.ok(contactConnections >= 1, 'the Contact was tried');
});

t.test('a line set to delivery: contact (a single phone) gets its own Contact as Request-URI, the number in To', async (t) => {
  const mark = node.mark();
  const callee = await answer(node, 'call-callee.xml', phone);
  const call = await callFrom(node, alice, { called: PHONE, from: ALICE, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(await callee.done);
  t.match(requestUri(invite), new RegExp(`^sip:${phone.sipId}@127\\.0\\.0\\.1:${phone.port}`), 'the registered Contact, user part and all');
  t.match(headerValues(invite, 'To')[0], new RegExp(`sip:${PHONE}@`), 'the called number in To');
  await settled(node, mark, call);
});

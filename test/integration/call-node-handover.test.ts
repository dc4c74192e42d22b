import t from 'tap';
import { callFrom, DOMAIN, registerTrunk, sippCallId, startCallStack, trunk } from '../helpers/call-harness.js';
import { DigestUa, RawSipClient, type RawMessage } from '../helpers/raw-sip-client.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Several nodes, one client connection: a PBX keeps its TCP connection to
 * node A; a call arriving at node B reaches it through node A (B sends the
 * INVITE to A with a signed Route naming the connection), both nodes
 * record-route, so the ACK and the BYE follow. With node A gone, the call at
 * node B fails at once with 480 and says why.
 */
const ALICE = '0312340501';
const PBX = '0312340502';
const alice = await trunk('nh-alice', 'alice-pass-501');
const pbx = { sipId: 'nh-pbx', password: 'pbx-pass-502' };
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGN',
        name: 'Nodes',
        sites: [
          {
            id: '1000051',
            name: 'Site',
            lines: [
              { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 4, basicNumber: ALICE },
              { sipId: pbx.sipId, password: pbx.password, auth: 'digest', channels: 4, basicNumber: PBX },
            ],
          },
        ],
      },
    ],
  },
  2,
);
const [nodeA, nodeB] = stack.nodes;

/** The PBX registers over TCP at node A; its Contact (a name, as behind NAT) is no way to reach it. */
const client = await RawSipClient.open('tcp', { port: nodeA!.port });
t.teardown(() => client.close());
const ua = new DigestUa(client, { user: pbx.sipId, password: pbx.password, domain: DOMAIN });
const registered = await ua.register({ contacts: [`<sip:${pbx.sipId}@pbx.invalid;transport=tcp>`], expires: 600 });
if (registered.status !== 200) throw new Error(`the PBX could not register: ${registered.status}`);
await registerTrunk(nodeB!, alice);

/** The PBX answers the next INVITE on its connection and takes the ACK and BYE that follow. */
async function pbxAnswers(): Promise<{ invite: RawMessage; ack: RawMessage; bye: RawMessage }> {
  const since = client.received.length;
  const isInvite = (m: RawMessage) => !m.isResponse && m.method === 'INVITE';
  const invite = await client.waitFor(isInvite, { since, timeoutMs: 10_000 });
  const contact: [string, string] = ['Contact', `<sip:${pbx.sipId}@pbx.invalid;transport=tcp>`];
  client.sendRaw(client.buildResponse(invite, 180, 'Ringing', { toTag: 'pbx-tag', headers: [contact] }));
  client.sendRaw(client.buildResponse(invite, 200, 'OK', { toTag: 'pbx-tag', headers: [contact] }));
  const inDialog = (method: string) => (m: RawMessage) => !m.isResponse && m.method === method && m.callId === invite.callId;
  const ack = await client.waitFor(inDialog('ACK'), { since, timeoutMs: 10_000 });
  const bye = await client.waitFor(inDialog('BYE'), { since, timeoutMs: 10_000 });
  client.sendRaw(client.buildResponse(bye, 200, 'OK'));
  return { invite, ack, bye };
}

t.test('a call at node B reaches the TCP client held by node A, through node A; ACK and BYE follow', async (t) => {
  const [markA, markB] = [nodeA!.mark(), nodeB!.mark()];
  const answering = pbxAnswers();
  const caller = await callFrom(nodeB!, alice, { called: PBX, from: ALICE, expect: 200, holdMs: 300 });
  t.equal(caller.code, 0, 'the caller at node B: answered, BYE answered', describeSipp(caller));
  const { invite, ack, bye } = await answering;
  t.match(invite.uri, new RegExp(`^sip:${PBX}@pbx\\.invalid`), 'the INVITE came over the PBX connection, for the called number');
  const recordRoute = invite.all('record-route').join(',');
  t.match(recordRoute, new RegExp(`127\\.0\\.0\\.1:${nodeA!.port}`), 'node A record-routes');
  t.match(recordRoute, new RegExp(`127\\.0\\.0\\.1:${nodeB!.port}`), 'node B record-routes');
  t.same(invite.all('route'), [], 'no Route left for the PBX');
  t.notMatch(invite.raw, /noderoute/, 'nothing of the hand-over reaches the client');
  t.ok(ack && bye, 'the ACK and the BYE came over the same connection');

  const callId = sippCallId(caller);
  const via = await nodeB!.waitForEvent('call.via_node', { since: markB, where: (l) => l.callId === callId });
  t.equal(via.node, 'node-a', 'node B: sent through node A');
  const handOver = await nodeA!.waitForEvent('call.node_handover', { since: markA, where: (l) => l.callId === callId });
  t.equal(handOver.from, 'node-b', 'node A: taken from node B');
  await nodeB!.waitForEvent('call.ended', { since: markB, where: (l) => l.callId === callId });
  t.equal(nodeA!.events('call.attempt', markA).length, 0, 'node A did not route the call again (no second challenge)');
});

t.test('node A gone: the call at node B fails at once with 480 and the event says why', async (t) => {
  await nodeA!.stop();
  const markB = nodeB!.mark();
  const caller = await callFrom(nodeB!, alice, { called: PBX, from: ALICE, expect: 480 });
  t.equal(caller.code, 0, 'the caller got 480', describeSipp(caller));
  const callId = sippCallId(caller);
  const gone = await nodeB!.waitForEvent('call.node_gone', { since: markB, where: (l) => l.callId === callId });
  t.match(gone, { sipId: pbx.sipId, node: 'node-a', transport: 'TCP' });
  const outcome = await nodeB!.waitForEvent('call.outcome', { since: markB, where: (l) => l.callId === callId });
  t.equal(outcome.status, 480);
});

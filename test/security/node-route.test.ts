import t from 'tap';
import type { Test } from 'tap';
import { createLogger } from '../../src/log.js';
import { encodeFlow } from '../../src/proxy/flow.js';
import { nodeRoute } from '../../src/proxy/node-route.js';
import { ProxySigner } from '../../src/proxy/signing.js';
import { BindingStore } from '../../src/store/binding-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { SecretStore } from '../../src/store/secret-store.js';
import { DOMAIN, startCallStack } from '../helpers/call-harness.js';
import { DigestUa, randomToken, RawSipClient } from '../helpers/raw-sip-client.js';

/**
 * The node hand-over (a node sends a call to the node holding the client's
 * connection, with a signed Route naming the connection) is no way in for
 * anyone else: an INVITE from an address that is no live node, carrying such
 * a Route with a forged signature, or even a genuine one (as if copied from
 * a real hand-over), is refused with 403 and logged; nothing reaches the
 * connection, and nothing is challenged or routed.
 */
const pbx = { sipId: 'sec-pbx', password: 'pbx-pass-777', number: '0312340777' };
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VGS',
      name: 'Security',
      sites: [{ id: '1000077', name: 'Site', lines: [{ sipId: pbx.sipId, password: pbx.password, auth: 'digest', channels: 4, basicNumber: pbx.number }] }],
    },
  ],
});
const node = stack.nodes[0]!;
const client = await RawSipClient.open('tcp', { port: node.port });
const redis = createRedis(stack.redis.url, 'call:', createLogger('silent'));
t.teardown(() => {
  client.close();
  redis.disconnect();
});
// Commands are not queued while the connection is being made: wait for it.
await waitForRedis(redis);
const ok = await new DigestUa(client, { user: pbx.sipId, password: pbx.password, domain: DOMAIN }).register({
  contacts: [`<sip:${pbx.sipId}@pbx.invalid;transport=tcp>`],
  expires: 600,
});
if (ok.status !== 200) throw new Error(`the PBX could not register: ${ok.status}`);
const [binding] = await new BindingStore(redis).live(pbx.sipId, Date.now());
const flow = encodeFlow({ transport: 'TCP', connectionId: binding!.source.connectionId!, node: binding!.source.node });
const signer = new ProxySigner(await new SecretStore(redis).shared('dialog'));

/** Refusals are logged once per source and interval (RefusalLog): each attempt comes from an address of its own. */
let nextSource = 44;

function invite(attacker: RawSipClient, callId: string, route: string): string {
  return attacker.buildRequest('INVITE', `sip:${pbx.number}@pbx.invalid;transport=tcp`, [
    ['Route', route],
    ['From', '<sip:0399990000@evil.example>;tag=evil'],
    ['To', `<sip:${pbx.number}@${DOMAIN}>`],
    ['Call-ID', callId],
    ['CSeq', '1 INVITE'],
    ['Contact', `<sip:evil@${attacker.localAddress}:${attacker.localPort}>`],
  ]);
}

async function attempt(t: Test, route: (callId: string) => string, reason: RegExp): Promise<void> {
  const attacker = await RawSipClient.open('udp', { port: node.port }, `127.0.0.${nextSource++}`);
  t.teardown(() => attacker.close());
  const callId = `${randomToken()}@evil`;
  const mark = node.mark();
  const before = client.received.length;
  const answer = await attacker.request(invite(attacker, callId, route(callId)));
  t.equal(answer.status, 403, 'refused with 403');
  const refused = await node.waitForEvent('security.node_route_refused', { since: mark, where: (l) => l.callId === callId });
  t.match(refused, { address: attacker.localAddress, port: attacker.localPort }, 'logged with its source');
  t.match(refused.reason, reason, 'and why');
  t.notOk(
    client.received.slice(before).some((m) => !m.isResponse && m.method === 'INVITE'),
    'nothing reached the connection',
  );
  t.equal(node.events('call.attempt', mark).length, 0, 'nor was it routed as a call');
}

const here = `127.0.0.1:${node.port}`;
t.test('a forged signature on a Route naming the connection', async (t) => {
  await attempt(t, () => `<sip:${flow}@${here};lr;noderoute=AAAAAAAAAAAAAAAAAAAAAA>`, /not signed/);
});

t.test('a signature for another call (replayed from a genuine hand-over)', async (t) => {
  await attempt(t, () => nodeRoute({ host: '127.0.0.1', port: node.port }, flow, 'another-call@node-b', signer), /not signed/);
});

t.test('a genuine signature, but from an address that is no live node', async (t) => {
  await attempt(t, (callId) => nodeRoute({ host: '127.0.0.1', port: node.port }, flow, callId, signer), /no live node/);
});

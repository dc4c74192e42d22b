import t from 'tap';
import { callFrom, callFromTrusted, startCallStack } from '../helpers/call-harness.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/free-port.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';
import { quietPeriod, UdpSink } from '../helpers/udp-sink.js';

/**
 * A hostile or poisoned DNS zone against the real server (docs/routing.md,
 * "Security"): a provisioned route name that resolves to a loopback address
 * must not make the softswitch send INVITEs to a service on its own host, and
 * a peer host name that resolves to loopback must not make that address
 * trusted -- unless provisioning.allowLoopbackAddresses (a test rig) says so,
 * which this deployment does not. Only provisioned names are ever looked up.
 */
const LOCAL_SERVICE_PORT = await freePort();
const dns = await startDnsServer([
  { name: 'carrier.test', type: 'A', address: '127.0.0.1' },
  { name: 'peer.test', type: 'A', address: '127.0.0.76' },
]);
t.teardown(() => dns.close());
const localService = await UdpSink.open('127.0.0.1', LOCAL_SERVICE_PORT);
t.teardown(() => localService.close());

const alice = { sipId: 'alice', password: 'alice-pass-123', port: await freePort() };
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Security',
        sites: [
          { id: '1000001', name: 'Site', lines: [{ sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 2, basicNumber: '0312345670' }] },
        ],
      },
    ],
    routing: {
      peers: [{ name: 'dns-peer', hosts: ['peer.test'] }],
      outboundRoutes: [{ name: 'hijacked', prefix: '0905', target: `carrier.test:${LOCAL_SERVICE_PORT}` }],
    },
  },
  1,
  { extra: { provisioning: { allowLoopbackAddresses: false }, routing: { failoverTimeout: 1, dns: { servers: [dns.server] } } } },
);
const node = stack.nodes[0]!;

t.test('a route name resolving to loopback: nothing is sent there, the caller gets 503, the refusal is logged', async (t) => {
  const since = node.mark();
  const call = await callFrom(node, alice, { called: '09051112222', from: '0312345670', expect: 503 });
  t.equal(call.code, 0, 'refused with 503', describeSipp(call));
  await quietPeriod(300);
  t.equal(localService.received.length, 0, 'the local service got no INVITE');
  const refused = await node.waitForEvent('security.dns_address_refused', { since, where: (l) => l.route === 'hijacked' });
  t.match(refused, { address: '127.0.0.1', target: `carrier.test:${LOCAL_SERVICE_PORT}`, why: /loopback/ });
  const skipped = node.events('call.decision', since).find((l) => l.stage === 'outbound-route' && l.outcome === 'skipped');
  t.match(skipped, { target: 'hijacked', reason: 'target does not resolve' });
});

t.test('a peer host name resolving to loopback trusts nothing: a call from that address is challenged', async (t) => {
  const call = await callFromTrusted(node, { ip: '127.0.0.76', called: '0312345670', from: '<sip:0501234567@peer.invalid>', expect: 480 });
  t.ok(
    receivedMessages(call).some((m) => m.startsWith('SIP/2.0 407')),
    'challenged like any stranger',
  );
  const refused = node.events('security.dns_address_refused').find((l) => l.peer === 'dns-peer');
  t.match(refused, { host: 'peer.test', address: '127.0.0.76', why: /loopback/ });
});

t.test('only provisioned names are looked up', async (t) => {
  const names = new Set(dns.questions.map((q) => q.split(' ')[1]));
  t.same([...names].sort(), ['carrier.test', 'peer.test']);
});

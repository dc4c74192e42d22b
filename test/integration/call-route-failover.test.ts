import t from 'tap';
import { answer, callFrom, callFromTrusted, receivedInvite, requestUri } from '../helpers/call-harness.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { freePort } from '../helpers/free-port.js';
import { provision } from '../helpers/server-process.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';
import { startStack, testProvisioning, TEST_LINES } from '../helpers/test-stack.js';

/**
 * Calls leaving through routes located by RFC 3263, against the real server,
 * a DNS server of the test helpers on 127.0.0.1 and SIPp UAS playing the
 * carrier's servers: SRV failover on 503 and on silence (after
 * routing.failoverTimeout), several routes per prefix failing over the same
 * way, a route that monitoring marks down skipped, an IP trunk reached at its
 * configured deliverTo, and a peer trusted by its host name.
 */
const ports = { a: await freePort(), b: await freePort(), c: await freePort(), d: await freePort() };
const routePorts = { first: await freePort(), second: await freePort(), dead: await freePort(), alive: await freePort(), gw: await freePort() };
const GW_ADDRESS = '127.0.0.74';
const PEER_ADDRESS = '127.0.0.73';

const dns = await startDnsServer([
  // srv.test: no NAPTR, so SRV _sip._udp (RFC 3263 §4.1), two servers by priority.
  { name: '_sip._udp.srv.test', type: 'SRV', priority: 10, weight: 0, port: ports.a, target: 'a.srv.test' },
  { name: '_sip._udp.srv.test', type: 'SRV', priority: 20, weight: 0, port: ports.b, target: 'b.srv.test' },
  { name: 'a.srv.test', type: 'A', address: '127.0.0.1' },
  { name: 'b.srv.test', type: 'A', address: '127.0.0.1' },
  // naptr.test: NAPTR names the UDP service, SRV its two servers.
  { name: 'naptr.test', type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.naptr.test' },
  { name: '_sip._udp.naptr.test', type: 'SRV', priority: 10, weight: 0, port: ports.c, target: 'c.naptr.test' },
  { name: '_sip._udp.naptr.test', type: 'SRV', priority: 20, weight: 0, port: ports.d, target: 'd.naptr.test' },
  { name: 'c.naptr.test', type: 'A', address: '127.0.0.1' },
  { name: 'd.naptr.test', type: 'A', address: '127.0.0.1' },
  // Routes by name and port: A only.
  { name: 'carrier.test', type: 'A', address: '127.0.0.1' },
  { name: 'peer.test', type: 'A', address: PEER_ADDRESS },
]);
t.teardown(() => dns.close());

const stack = await startStack({
  extra: {
    routing: { failoverTimeout: 1, dns: { servers: [dns.server] } },
    // Only route targets written as addresses are pinged: here the one nobody answers.
    monitoring: { enabled: true, interval: 0.3, timeout: 0.2, downAfter: 1, upAfter: 1, peers: false, ipTrunks: false },
  },
});
t.teardown(() => stack.stop());
const { server, config } = stack;

const document = testProvisioning() as { voiceGroups: Array<{ sites: Array<{ lines: unknown[] }> }> };
document.voiceGroups[0]!.sites[0]!.lines.push({
  sipId: 'gw2',
  auth: 'ip',
  allowedAddresses: [GW_ADDRESS],
  channels: 2,
  basicNumber: '0612345679',
  deliverTo: `${GW_ADDRESS}:${routePorts.gw}`,
});
await provision(config, {
  ...document,
  routing: {
    peers: [{ name: 'dns-peer', hosts: ['peer.test'] }],
    outboundRoutes: [
      { name: 'srv-carrier', prefix: '0901', target: 'srv.test' },
      { name: 'naptr-carrier', prefix: '0902', target: 'naptr.test' },
      { name: 'first', prefix: '0903', target: `carrier.test:${routePorts.first}` },
      { name: 'second', prefix: '0903', target: `carrier.test:${routePorts.second}` },
      { name: 'dead', prefix: '0904', target: `127.0.0.1:${routePorts.dead}`, priority: 0 },
      { name: 'alive', prefix: '0904', target: `carrier.test:${routePorts.alive}` },
    ],
    emergencyRoute: null,
  },
});

const alice = { sipId: TEST_LINES.alice.sipId, password: TEST_LINES.alice.password, port: await freePort() };
const FROM = '0312345670';
const failovers = (since: number) =>
  server.events('call.decision', since).filter((l) => l.stage === 'outbound-route' && l.outcome === 'failover') as Array<Record<string, unknown>>;

t.test('SRV: the first server answers 503, the call lands on the second', async (t) => {
  const since = server.mark();
  const first = await answer(server, 'call-callee-503.xml', { port: ports.a });
  const second = await answer(server, 'call-callee.xml', { port: ports.b });
  const call = await callFrom(server, alice, { called: '09011112222', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal((await first.done).code, 0, 'the first SRV target got the INVITE and answered 503', describeSipp(await first.done));
  t.equal((await second.done).code, 0, 'the second took the call', describeSipp(await second.done));
  t.match(requestUri(receivedInvite(await second.done)), /^sip:09011112222@srv\.test/, 'the Request-URI keeps the route name');
  t.match(failovers(since), [{ target: 'srv-carrier', reason: '503', hop: `UDP 127.0.0.1:${ports.a} (SRV _sip._udp.srv.test -> a.srv.test)` }]);
  t.ok(dns.questions.includes('NAPTR srv.test'), 'NAPTR was asked first (no transport given)');
});

t.test('NAPTR then SRV: the first server stays silent, the call lands on the second after routing.failoverTimeout', async (t) => {
  const since = server.mark();
  const silent = await answer(server, 'call-callee-silent.xml', { port: ports.c });
  const second = await answer(server, 'call-callee.xml', { port: ports.d });
  const call = await callFrom(server, alice, { called: '09021112222', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.ok(receivedInvite(await silent.done), 'the silent server got the INVITE');
  t.equal((await second.done).code, 0, 'the second took the call', describeSipp(await second.done));
  t.match(failovers(since), [{ target: 'naptr-carrier', reason: 'no response', hop: /SRV _sip\._udp\.naptr\.test -> c\.naptr\.test/ }]);
});

t.test('several routes for one prefix: 503 from the first moves the call to the second', async (t) => {
  const since = server.mark();
  const first = await answer(server, 'call-callee-503.xml', { port: routePorts.first });
  const second = await answer(server, 'call-callee.xml', { port: routePorts.second });
  const call = await callFrom(server, alice, { called: '09031112222', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal((await first.done).code, 0, describeSipp(await first.done));
  t.equal((await second.done).code, 0, describeSipp(await second.done));
  t.match(failovers(since), [{ target: 'first', reason: '503' }]);
  const routed = server.events('call.decision', since).filter((l) => l.stage === 'outbound-route' && l.outcome === 'route');
  t.same(
    routed.map((l) => l.target),
    ['first', 'second'],
    'the decision log names both routes tried',
  );
});

t.test('several routes for one prefix: no answer from the first moves the call to the second', async (t) => {
  const since = server.mark();
  const first = await answer(server, 'call-callee-silent.xml', { port: routePorts.first });
  const second = await answer(server, 'call-callee.xml', { port: routePorts.second });
  const call = await callFrom(server, alice, { called: '09031113333', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.ok(receivedInvite(await first.done), 'the first route got the INVITE');
  t.equal((await second.done).code, 0, describeSipp(await second.done));
  t.match(failovers(since), [{ target: 'first', reason: 'no response' }]);
});

t.test('a route monitoring marks down is skipped for the next route of its prefix', async (t) => {
  await server.waitForEvent('peer.state', { where: (l) => l.name === 'dead' && l.state === 'down', timeoutMs: 10_000 });
  const since = server.mark();
  const alive = await answer(server, 'call-callee.xml', { port: routePorts.alive });
  const call = await callFrom(server, alice, { called: '09041112222', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered by the live route', describeSipp(call));
  t.equal((await alive.done).code, 0, describeSipp(await alive.done));
  const decisions = server.events('call.decision', since).filter((l) => l.stage === 'outbound-route');
  t.match(decisions, [
    { outcome: 'skipped', target: 'dead', reason: 'target down' },
    { outcome: 'route', target: 'alive' },
  ]);
});

t.test('an IP trunk is called at its deliverTo address and port, not port 5060', async (t) => {
  const gw = await answer(server, 'call-callee.xml', { ip: GW_ADDRESS, port: routePorts.gw });
  const call = await callFrom(server, alice, { called: '0612345679', from: FROM, expect: 200 });
  t.equal(call.code, 0, 'answered by the trunk', describeSipp(call));
  const invite = receivedInvite(await gw.done);
  t.match(requestUri(invite), new RegExp(`^sip:0612345679@127\\.0\\.0\\.74:${routePorts.gw}`), 'the called number at the delivery address');
});

t.test('a peer given by host name is trusted at the address DNS gives; another address is challenged', async (t) => {
  const trusted = await callFromTrusted(server, { ip: PEER_ADDRESS, called: '0312345671', from: '<sip:0501234567@peer.invalid>', expect: 480 });
  t.equal(trusted.code, 0, 'admitted without a challenge (bob is not registered: 480)', describeSipp(trusted));
  const stranger = await callFromTrusted(server, { ip: '127.0.0.75', called: '0312345671', from: '<sip:0501234567@peer.invalid>', expect: 480 });
  t.ok(
    receivedMessages(stranger).some((m) => m.startsWith('SIP/2.0 407')),
    'an address the name does not give is challenged',
  );
});

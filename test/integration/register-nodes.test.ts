import t from 'tap';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { lineStatus, provision, ServerProcess, startServer, writeServerConfig, type LogLine, type ServerConfig } from '../helpers/server-process.js';
import { TEST_LINES, testProvisioning } from '../helpers/test-stack.js';
import { describeSipp, runSipp } from '../helpers/sipp.js';
import { scrapeMetrics } from '../helpers/metrics-scrape.js';

/**
 * Two nodes sharing one Redis, and restarts: bindings live in Redis, so a
 * trunk registered through one node is visible to the other and survives a
 * restart; nonces are signed with a secret the nodes share through Redis,
 * so a nonce issued by one is accepted by the other, and its nonce-count
 * cannot be replayed on either.
 */
const DOMAIN = 'test.example';
const redis = await startTestRedis();
const running = new Set<ServerProcess>();
t.teardown(async () => {
  await Promise.all([...running].map((s) => s.stop()));
  await redis.stop();
});

// No nonceSecret in either config: the nodes must agree through Redis.
const options = { redisUrl: redis.url, registrar: { minExpires: 2 } };
const configA = await writeServerConfig({ ...options, nodeId: 'node-a' });
const configB = await writeServerConfig({ ...options, nodeId: 'node-b' });
await provision(configA, testProvisioning());
const start = async (config: ServerConfig) => {
  const server = await startServer(config);
  running.add(server);
  return server;
};
let nodeA = await start(configA);
const nodeB = await start(configB);
const { alice, bob, carol } = TEST_LINES;

const toA = await RawSipClient.open('udp', { port: configA.port });
const toB = await RawSipClient.open('udp', { port: configB.port });
t.teardown(() => {
  toA.close();
  toB.close();
});
const ua = (client: RawSipClient, line: { sipId: string; password: string }) =>
  new DigestUa(client, { user: line.sipId, password: line.password, domain: DOMAIN });

t.test('a trunk registered through node A is visible through node B', async (t) => {
  const result = await runSipp({ scenario: 'register-auth.xml', target: { port: configA.port }, injection: [[alice.sipId, alice.password, DOMAIN]] });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  await nodeA.waitForEvent('registration.added', { where: (l) => l.sipId === 'alice' });

  const query = await ua(toB, alice).register();
  t.equal(query.status, 200, 'node B authenticates alice');
  t.equal(query.contacts.length, 1);
  t.match(query.contacts[0]?.uri, /^sip:alice@127\.0\.0\.1:\d+;transport=UDP$/, 'node B lists the SIPp contact');
  const binding = (await lineStatus(configB, 'alice')).bindings[0];
  t.equal(binding?.source.node, 'node-a', 'the binding remembers the node it came through');
});

t.test('a nonce issued by node A is accepted by node B, and not replayable on A', async (t) => {
  const first = await ua(toA, bob).send({ contacts: [], expires: 600 });
  t.equal(first.status, 401, 'node A challenges');
  const onB = ua(toB, bob);
  t.ok(onB.takeChallenge(first));
  const contacts = [onB.contact()];
  const ok = await onB.send({ contacts, expires: 600 });
  t.equal(ok.status, 200, "node B accepts node A's nonce");
  t.equal(onB.nc, 1);

  const onA = ua(toA, bob);
  onA.nonce = onB.nonce;
  const replay = await toA.register({
    user: bob.sipId,
    domain: DOMAIN,
    callId: onA.callId,
    cseq: 1,
    contacts: [onA.contact()],
    expires: 600,
    authorization: onA.authorization(1),
  });
  t.equal(replay.status, 401, 'the same nonce-count on node A is a replay');
  const failed = await nodeA.waitForEvent('auth.failed', { where: (l) => l.sipId === 'bob' });
  t.equal(failed.reason, 'nonce-count replay');
});

t.test('a change through the other node is decided again from the stored bindings, and counted', async (t) => {
  const retries = async (port: number) => (await scrapeMetrics(port)).total('softswitch_registration_retries_total');
  const onA = ua(toA, carol);
  const first = await onA.register({ contacts: [`<${toA.contactUri('carol', ';via=a')}>`], expires: 600 });
  t.equal(first.status, 200);
  const before = await retries(configB.metricsPort);
  // Node B has not seen carol: it decides from no bindings, its compare-and-set loses to A's write,
  // and it decides again from what the store answered, keeping A's binding.
  const onB = ua(toB, carol);
  const second = await onB.register({ contacts: [`<${toB.contactUri('carol', ';via=b')}>`], expires: 600 });
  t.equal(second.status, 200);
  t.equal(second.contacts.length, 2, "node A's binding kept beside node B's");
  t.equal((await retries(configB.metricsPort)) - before, 1, 'one retry counted on node B');
  const again = await onB.register({ contacts: [`<${toB.contactUri('carol', ';via=b')}>`], expires: 600 });
  t.equal(again.status, 200);
  t.equal((await retries(configB.metricsPort)) - before, 1, 'a refresh of what node B wrote itself needs none');
  t.equal((await onA.register({ contacts: '*', expires: 0 })).status, 200, 'carol unregistered for the next test');
});

t.test('the latest error is shared: a failure on node B shows in the status', async (t) => {
  const result = await runSipp({
    scenario: 'register-wrong-password.xml',
    target: { port: configB.port },
    authUri: DOMAIN,
    injection: [[carol.sipId, 'wrong-pw-000', DOMAIN]],
  });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  t.equal((await lineStatus(configA, 'carol')).latestError?.text, 'REGISTER authentication failed: wrong password');
});

t.test('an expired binding is reported by exactly one node', async (t) => {
  const sinceA = nodeA.mark();
  const sinceB = nodeB.mark();
  const agent = ua(toA, carol);
  const res = await agent.register({ contacts: [`<${toA.contactUri('carol', ';short=1')}>`], expires: 2 });
  t.equal(res.status, 200);
  const where = (l: LogLine) => l.sipId === 'carol';
  await Promise.any([
    nodeA.waitForEvent('registration.expired', { since: sinceA, where, timeoutMs: 6000 }),
    nodeB.waitForEvent('registration.expired', { since: sinceB, where, timeoutMs: 6000 }),
  ]);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // give the other node's sweeper its turn
  const count = nodeA.events('registration.expired', sinceA).filter(where).length + nodeB.events('registration.expired', sinceB).filter(where).length;
  t.equal(count, 1);
});

t.test('bindings survive a restart of the nodes', async (t) => {
  t.equal(await nodeA.stop(), 0, 'node A exits 0 on SIGTERM');
  running.delete(nodeA);
  t.ok(nodeA.events('server.stopped').length === 1, 'node A logged server.stopped');
  const viaB = await ua(toB, alice).register();
  t.equal(viaB.contacts.length, 1, 'node B still serves the binding while A is down');

  t.equal(await nodeB.stop(), 0);
  running.delete(nodeB);
  nodeA = await start(configA);
  const after = await ua(toA, alice).register();
  t.equal(after.status, 200);
  t.equal(after.contacts.length, 1, 'the restarted node lists the binding registered before');
  const left = Number(after.contacts[0]?.params.expires);
  t.ok(left > 3500 && left <= 3600, `with its remaining time (${left} s)`);
  t.equal((await lineStatus(configA, 'alice')).status, 'registered');
});

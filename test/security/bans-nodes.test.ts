import t from 'tap';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { testProvisioning, TEST_LINES } from '../helpers/test-stack.js';

/**
 * A ban is shared by every node: a source banned for guessing on node A is
 * refused by node B too (here with the 403 action: answered statelessly,
 * before any digest work), and node B never counts or logs its requests.
 */
const DOMAIN = 'test.example';
const GUESSER = '127.0.0.50';
const bans = { maxFailures: 10, windowSeconds: 60, banSeconds: 900, targetedMaxFailures: 5, action: '403' as const };

const redis = await startTestRedis();
t.teardown(() => redis.stop());
const configA = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-a', domain: DOMAIN, bans });
const configB = await writeServerConfig({ redisUrl: redis.url, nodeId: 'node-b', domain: DOMAIN, bans });
await provision(configA, testProvisioning());
const nodeA = await ServerProcess.start(configA);
t.teardown(() => nodeA.stop());
const nodeB = await ServerProcess.start(configB);
t.teardown(() => nodeB.stop());

t.test('banned on node A, refused by node B', async (t) => {
  const toA = await RawSipClient.open('udp', { port: configA.port }, { address: GUESSER });
  t.teardown(() => toA.close());
  const ua = new DigestUa(toA, { user: TEST_LINES.bob.sipId, password: 'wrong-guess', domain: DOMAIN });
  ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 }));
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await ua.send({ contacts: [ua.contact()], expires: 600 })).status);
  t.same(statuses, Array(12).fill(403), "ten failures allowed, the 11th bans; the 12th gets the ban's own 403");
  t.match(toA.received.at(-1)?.header('warning'), /source banned/, 'the last one was refused by the ban, not by a password check');
  t.match(await nodeA.waitForEvent('security.banned'), { address: GUESSER, count: 11 });

  const sinceB = nodeB.mark();
  const toB = await RawSipClient.open('udp', { port: configB.port }, { address: GUESSER });
  t.teardown(() => toB.close());
  // Node B reloads the bans every second: poll with OPTIONS (no digest work, no binding) until it knows.
  const options = (n: number) =>
    toB.request(
      toB.buildRequest('OPTIONS', `sip:${DOMAIN}`, [
        ['From', `<sip:probe@${DOMAIN}>;tag=probe${n}`],
        ['To', `<sip:${DOMAIN}>`],
        ['Call-ID', `probe-${n}@bans-nodes`],
        ['CSeq', '1 OPTIONS'],
      ]),
    );
  let probe = await options(0);
  for (let n = 1; n < 15 && probe.status !== 403; n++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    probe = await options(n);
  }
  t.equal(probe.status, 403, 'node B learns the ban');
  const right = new DigestUa(toB, { user: TEST_LINES.bob.sipId, password: TEST_LINES.bob.password, domain: DOMAIN });
  const refused = await right.register({ contacts: [right.contact()], expires: 600 });
  t.equal(refused.status, 403);
  t.match(refused.header('warning'), /source banned/, 'node B refuses the banned source, even with the right password');
  t.same(nodeB.events('auth.failed', sinceB), [], 'node B did no digest work for it');
  t.same(nodeB.events('security.banned', sinceB), [], 'the ban is logged once, by the node that made it');

  const elsewhere = await RawSipClient.open('udp', { port: configB.port });
  t.teardown(() => elsewhere.close());
  const other = new DigestUa(elsewhere, { user: TEST_LINES.bob.sipId, password: TEST_LINES.bob.password, domain: DOMAIN });
  t.equal((await other.register({ contacts: [other.contact()], expires: 600 })).status, 200, 'bob registers from another address');
});

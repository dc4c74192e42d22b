import t from 'tap';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { naming, RedisMonitor } from '../helpers/redis-monitor.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, startServer, writeServerConfig } from '../helpers/server-process.js';
import { TEST_LINES, testProvisioning } from '../helpers/test-stack.js';

/**
 * What a REGISTER costs the store, counted with Redis' MONITOR: a refresh in
 * the steady state is one command (the script that checks the nonce-count
 * and compare-and-sets the bindings), with the line's HA1 from the node's
 * copy; the first REGISTER of a line on a node also reads the line.
 */
const DOMAIN = 'test.example';
const redis = await startTestRedis();
const config = await writeServerConfig({ redisUrl: redis.url });
await provision(config, testProvisioning());
const server = await startServer(config);
const client = await RawSipClient.open('udp', { port: config.port });
const monitor = await RedisMonitor.open(redis.url);
t.teardown(async () => {
  monitor.close();
  client.close();
  await server.stop();
  await redis.stop();
});

const { bob, carol } = TEST_LINES;

t.test('a steady-state refresh is one store command: the REGISTER script', async (t) => {
  const ua = new DigestUa(client, { user: bob.sipId, password: bob.password, domain: DOMAIN });
  const spec = { contacts: [ua.contact()], expires: 600 };
  await monitor.mark();

  const challenge = await ua.send(spec);
  t.equal(challenge.status, 401);
  t.same(naming(await monitor.mark(), 'bob'), [], 'the challenge costs no store command (stateless nonce)');

  t.ok(ua.takeChallenge(challenge));
  t.equal((await ua.send(spec)).status, 200, 'first REGISTER accepted');
  const first = naming(await monitor.mark(), 'bob').map((c) => c.name);
  t.ok(first.length <= 2, `the first REGISTER on this node: line read and script (${first.join(', ')})`);
  t.ok(first.includes('hgetall'), 'it read the line');

  for (let i = 0; i < 3; i++) {
    t.equal((await ua.send(spec)).status, 200, `refresh ${i + 1} accepted`);
    const commands = await monitor.mark(true);
    const sent = commands.filter((c) => c.source !== 'lua');
    t.same(
      naming(sent, 'bob').map((c) => c.name),
      ['evalsha'],
      `refresh ${i + 1}: one EVALSHA and nothing else (${sent.map((c) => c.name).join(', ')})`,
    );
    const ran = commands.filter((c) => c.source === 'lua').map((c) => `${c.name} ${c.args[0] ?? ''}`);
    t.ok(
      ran.some((c) => c.startsWith('set ') && c.includes('nc:{bob}')),
      'the script recorded the nonce-count',
    );
    t.ok(
      ran.some((c) => c.startsWith('hset ') && c.includes('regsrc:')),
      'and the binding source (the ban exemption), so nothing follows the answer',
    );
  }
});

t.test('a replayed nonce-count is refused by the same script', async (t) => {
  const ua = new DigestUa(client, { user: carol.sipId, password: carol.password, domain: DOMAIN });
  const spec = { contacts: [ua.contact()], expires: 600 };
  t.equal((await ua.register(spec)).status, 200);
  ua.nc -= 1; // the next request reuses the last nonce-count
  await monitor.mark();
  const replay = await ua.send(spec);
  t.equal(replay.status, 401, 'a replay gets a fresh challenge');
  const commands = naming(await monitor.mark(), 'carol').map((c) => c.name);
  t.equal(commands[0], 'evalsha', 'found out by the one script');
  t.notOk(commands.includes('hgetall'), `with no read before it (then the failure is counted: ${commands.join(', ')})`);
  const bindings = await ua.register({ contacts: [] });
  t.equal(bindings.status, 200, 'a query after a new challenge');
  t.equal(bindings.contacts.length, 1, 'the binding is as the last accepted REGISTER left it');
});

t.test('replayed credentials with another To get the replay challenge, not a refusal recorded against the line', async (t) => {
  const { dave } = TEST_LINES;
  const ua = new DigestUa(client, { user: dave.sipId, password: dave.password, domain: DOMAIN });
  t.equal((await ua.register({ contacts: [ua.contact()], expires: 600 })).status, 200);
  ua.nc -= 1; // the captured nonce-count, sent again
  const since = server.mark();
  const replay = await ua.send({ contacts: [ua.contact()], expires: 600, toUser: 'erin' });
  t.equal(replay.status, 401, 'a fresh challenge: the To check is not reached with used credentials');
  t.match(await server.waitForEvent('auth.failed', { since }), { reason: 'nonce-count replay', sipId: dave.sipId });
  t.same(server.events('registration.refused', since), [], "no refusal logged (nor recorded as the line's latest error)");
});

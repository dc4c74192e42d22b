import t from 'tap';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { lineStatus, provision } from '../helpers/server-process.js';
import { startStack, TEST_LINES, testProvisioning } from '../helpers/test-stack.js';

/**
 * Redis going away: REGISTERs that need it get 503 with Retry-After (not a
 * 500, not silence), OPTIONS keeps working, the process stays up, and
 * service resumes by itself when Redis is back.
 */
const DOMAIN = 'test.example';
const stack = await startStack();
t.teardown(() => stack.stop());
const { server, config, redis } = stack;
const { alice } = TEST_LINES;

const udp = await RawSipClient.open('udp', { port: config.port });
t.teardown(() => udp.close());
const agent = new DigestUa(udp, { user: alice.sipId, password: alice.password, domain: DOMAIN });
const contacts = [agent.contact()];

const options = () =>
  udp.request(
    udp.buildRequest('OPTIONS', `sip:${DOMAIN}`, [
      ['From', `<sip:probe@${DOMAIN}>;tag=${randomToken()}`],
      ['To', `<sip:${DOMAIN}>`],
      ['Call-ID', `${randomToken()}@probe`],
      ['CSeq', '1 OPTIONS'],
    ]),
  );

t.test('registered while Redis is up', async (t) => {
  t.equal((await agent.register({ contacts, expires: 600 })).status, 200);
});

t.test('Redis down: 503 with Retry-After, OPTIONS still 200', async (t) => {
  const since = server.mark();
  await redis.pause();
  await server.waitForEvent('redis.disconnected', { since });

  const res = await agent.send({ contacts, expires: 600 });
  t.equal(res.status, 503);
  const retryAfter = Number(res.header('retry-after'));
  t.ok(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${res.header('retry-after')}`);
  const again = await agent.send({ contacts, expires: 600 });
  t.equal(again.status, 503, 'every attempt meanwhile');
  const logged = await server.waitForEvent('store.unavailable', { since });
  t.equal(logged.method, 'REGISTER', 'the outage is logged');
  t.equal((await options()).status, 200, 'OPTIONS needs no Redis');
  t.ok(server.running, 'the server stays up');
});

t.test('Redis back: registrations are served again', async (t) => {
  const since = server.mark();
  await redis.resume();
  // The restarted redis-server is empty (no persistence in tests): provision again.
  await provision(config, testProvisioning());
  await server.waitForEvent('redis.connected', { since, timeoutMs: 10_000 });
  let res: RawMessage | undefined;
  for (let i = 0; i < 20 && res?.status !== 200; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    res = await agent.register({ contacts, expires: 600 });
  }
  t.equal(res?.status, 200);
  t.equal((await lineStatus(config, 'alice')).status, 'registered');
  t.ok(server.running);
});

import { readFileSync, writeFileSync } from 'node:fs';
import t from 'tap';
import { parse, stringify } from 'yaml';
import { freePort } from '../helpers/free-port.js';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { TEST_LINES, testProvisioning } from '../helpers/test-stack.js';

/**
 * Attack (or accident): Redis stalls. The process is stopped (SIGSTOP), its
 * sockets stay open, nothing answers, and the client still says `ready`.
 * Every request must get 503 with Retry-After within the command timeout
 * (not a hang, not a 500), SIP and management API alike; the outage is
 * logged once, not per request; and service resumes by itself when Redis
 * answers again.
 */
const DOMAIN = 'test.example';
const OPERATOR_PASSWORD = 'Operator1234';
const { alice, bob } = TEST_LINES;

const redis = await startTestRedis();
t.teardown(() => redis.stop()); // stop() thaws first: never leaves a stopped redis-server behind
const config = await writeServerConfig({ redisUrl: redis.url, domain: DOMAIN, keyPrefix: 'stall:', commandTimeout: 1000 });
const apiPort = await freePort();
const yaml = parse(readFileSync(config.file, 'utf8')) as Record<string, unknown>;
yaml.api = { address: '127.0.0.1', port: apiPort, operator: { name: 'operator', password: OPERATOR_PASSWORD } };
writeFileSync(config.file, stringify(yaml));
await provision(config, testProvisioning());
const node = await ServerProcess.start(config);
t.teardown(() => node.stop());
await node.waitForEvent('api.listening', { timeoutMs: 10_000 });

const udp = await RawSipClient.open('udp', { port: config.port });
t.teardown(() => udp.close());
const aliceUa = new DigestUa(udp, { user: alice.sipId, password: alice.password, domain: DOMAIN });
const api = `http://127.0.0.1:${apiPort}`;
async function http(method: string, path: string, token?: string, body?: unknown) {
  const res = await fetch(api + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
}
const login = await http('POST', '/auth/login', undefined, { name: 'operator', password: OPERATOR_PASSWORD });
const token = login.body.token as string;

t.test('before: REGISTER and the API work', async (t) => {
  t.equal((await aliceUa.register({ contacts: [aliceUa.contact()], expires: 600 })).status, 200);
  t.equal((await http('GET', '/me', token)).status, 200);
});

t.test('Redis stalled: 503 with Retry-After for SIP and the API, the outage logged once', async (t) => {
  const since = node.mark();
  redis.freeze();
  t.teardown(() => redis.thaw());

  const started = Date.now();
  const refresh = await aliceUa.send({ contacts: [aliceUa.contact()], expires: 600 }); // credentials: the line is looked up
  t.comment(`REGISTER answered ${refresh.status} after ${Date.now() - started} ms (commandTimeout 1000 ms)`);
  t.equal(refresh.status, 503, 'an authenticated REGISTER gets 503');
  t.match(refresh.header('retry-after'), /^\d+$/, 'with Retry-After');

  const bobUa = new DigestUa(udp, { user: bob.sipId, password: bob.password, domain: DOMAIN });
  const challenge = await bobUa.send({ contacts: [bobUa.contact()], expires: 600 });
  t.equal(challenge.status, 401, 'a new client is still challenged (signed nonces need no store)');
  t.ok(bobUa.takeChallenge(challenge));
  const answered = await bobUa.send({ contacts: [bobUa.contact()], expires: 600 });
  t.equal(answered.status, 503, 'its answer to the challenge cannot be checked: 503');
  t.match(answered.header('retry-after'), /^\d+$/);

  const invite = udp.buildRequest('INVITE', `sip:0312345671@${DOMAIN}`, [
    ['From', `<sip:0312345670@${DOMAIN}>;tag=stall`],
    ['To', `<sip:0312345671@${DOMAIN}>`],
    ['Call-ID', `stall-${Date.now()}@raw`],
    ['CSeq', '1 INVITE'],
    ['Contact', `<${udp.contactUri('alice')}>`],
  ]);
  const call = await udp.request(invite, 5000);
  t.equal(call.status, 503, 'an INVITE gets 503 (the caller cannot be looked up)');
  t.match(call.header('retry-after'), /^\d+$/);
  udp.sendRaw(
    [
      `ACK sip:0312345671@${DOMAIN} SIP/2.0`,
      /^Via: .*$/m.exec(invite)![0],
      'Max-Forwards: 70',
      `From: ${call.header('from')}`,
      `To: ${call.header('to')}`,
      `Call-ID: ${call.callId}`,
      'CSeq: 1 ACK',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );

  const apiStarted = Date.now();
  const me = await http('GET', '/me', token);
  t.comment(`GET /me answered ${me.status} after ${Date.now() - apiStarted} ms`);
  t.equal(me.status, 503, 'the API answers 503');
  t.match(me.retryAfter, /^\d+$/, 'with Retry-After');
  t.equal(me.body.error, 'unavailable', 'and a JSON error body');
  t.type(me.body.message, 'string');
  const loginDuring = await http('POST', '/auth/login', undefined, { name: 'operator', password: OPERATOR_PASSWORD });
  t.equal(loginDuring.status, 503, 'login too');

  await node.waitForEvent('store.unavailable', { since });
  t.equal(node.events('store.unavailable', since).length, 1, 'exactly one store.unavailable for the whole outage');
  t.same(node.events('sip.handler_error', since), [], 'no 500 on SIP');
  t.same(node.events('api.error', since), [], 'no 500 on the API');
  t.equal(node.events('store.available', since).length, 0, 'not over yet');
  t.ok(node.running);
});

t.test('Redis answers again: service resumes without a restart', async (t) => {
  const since = node.mark();
  redis.thaw();
  const back = await node.waitForEvent('store.available', { since, timeoutMs: 10_000 });
  t.type(back.downMs, 'number');
  const again = await aliceUa.register({ contacts: [aliceUa.contact()], expires: 600 });
  t.equal(again.status, 200, 'REGISTER 200');
  const fresh = new DigestUa(udp, { user: bob.sipId, password: bob.password, domain: DOMAIN });
  const challenged = await fresh.send({ contacts: [fresh.contact()], expires: 600 });
  t.equal(challenged.status, 401, 'a new client is challenged as usual');
  t.equal((await http('GET', '/me', token)).status, 200, 'the API answers 200');
  t.equal(node.events('store.unavailable', since).length, 0, 'no new outage');
});

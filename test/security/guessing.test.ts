import { Redis } from 'ioredis';
import t from 'tap';
import { adminCli } from '../helpers/admin-cli.js';
import { freePort } from '../helpers/free-port.js';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { lineStatus, provision, ServerProcess, tempDir, writeServerConfig } from '../helpers/server-process.js';
import { buildDigestCredentials, parseChallenge } from '../helpers/sip-digest.js';
import { describeSipp, runSipp } from '../helpers/sipp.js';
import { testProvisioning, TEST_LINES } from '../helpers/test-stack.js';

/**
 * Password guessing against the real server, a real redis-server and SIPp:
 * 100 wrong passwords from one address get it banned (the rest dropped
 * unanswered, one security.banned line), while the real trunk keeps
 * registering from its own endpoint at that address; the operator lists and
 * lifts the ban through the API, which restores service.
 */
const DOMAIN = 'test.example';
const OPERATOR_PASSWORD = 'Operator1234';
/** The guesser and the trunk share this address (one NAT, say); each has its own port. */
const SHARED = '127.0.0.20';
const { alice, bob } = TEST_LINES;

const redis = await startTestRedis();
t.teardown(() => redis.stop());
const apiPort = await freePort();
const config = await writeServerConfig({
  redisUrl: redis.url,
  domain: DOMAIN,
  algorithms: ['MD5', 'SHA-256'],
  bans: { maxFailures: 50, windowSeconds: 60, banSeconds: 900, action: 'drop' },
  api: { port: apiPort, operatorPassword: OPERATOR_PASSWORD },
  logSummaryInterval: 1,
});
await provision(config, testProvisioning());
const server = await ServerProcess.start(config);
t.teardown(() => server.stop());
await server.waitForEvent('api.listening', { timeoutMs: 10_000 });
const target = { port: config.port };

const api = `http://127.0.0.1:${apiPort}`;
async function http(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(api + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: await res.json() };
}
const operatorToken = (await http('POST', '/auth/login', undefined, { name: 'operator', password: OPERATOR_PASSWORD })).body.token as string;

/** One REGISTER that should get no answer at all; true when none came within `ms`. */
async function unanswered(ua: DigestUa, ms = 800): Promise<boolean> {
  try {
    await ua.client.register(
      {
        user: ua.options.user,
        domain: DOMAIN,
        callId: ua.callId,
        cseq: ++ua.cseq,
        contacts: [ua.contact()],
        expires: 600,
        ...(ua.nonce ? { authorization: ua.authorization() } : {}),
      },
      ms,
    );
    return false;
  } catch {
    return true;
  }
}

/** The real trunk: SIPp registering alice from a fixed endpoint at the shared address. */
const trunkPort = await freePort(SHARED);
const registerTrunk = () =>
  runSipp({
    scenario: 'register-auth.xml',
    target,
    localIp: SHARED,
    localPort: trunkPort,
    injection: [[alice.sipId, alice.password, DOMAIN]],
  });

t.test('100 wrong passwords from one address: banned after 50, the rest dropped, logged once', async (t) => {
  const first = await registerTrunk();
  t.equal(first.code, 0, 'the trunk registers before the attack', describeSipp(first));

  const since = server.mark();
  const guesser = await RawSipClient.open('udp', target, { address: SHARED });
  t.teardown(() => guesser.close());
  const ua = new DigestUa(guesser, { user: bob.sipId, password: 'wrong-guess', domain: DOMAIN });
  const challenge = await ua.send({ contacts: [ua.contact()], expires: 600 });
  t.equal(challenge.status, 401);
  ua.takeChallenge(challenge);

  const answers: number[] = [];
  let dropped = 0;
  for (let i = 0; i < 100; i++) {
    // Once the ban is in, each guess would wait out its timeout: send the rest without waiting.
    if (dropped > 0) {
      guesser.sendRaw(
        guesser.buildRegister({
          user: bob.sipId,
          domain: DOMAIN,
          callId: ua.callId,
          cseq: ++ua.cseq,
          contacts: [ua.contact()],
          expires: 600,
          authorization: ua.authorization(),
        }),
      );
      continue;
    }
    try {
      answers.push((await ua.send({ contacts: [ua.contact()], expires: 600 })).status);
    } catch {
      dropped++;
    }
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(answers.length, 51, 'fifty failures allowed, the 51st still answered, then nothing');
  t.ok(
    answers.every((s) => s === 403),
    'each answered guess got 403',
  );
  t.equal(guesser.received.filter((m) => m.isResponse).length, 1 + 51, 'the challenge and 51 answers: nothing for the 49 guesses after the ban');

  const banned = await server.waitForEvent('security.banned', { since });
  t.match(banned, { address: SHARED, reason: 'too many failed authentications', count: 51, sipId: bob.sipId });
  t.ok(Date.parse(banned.until as string) > Date.now() + 800_000, 'banned for the configured 15 minutes');
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(server.events('security.banned', since).length, 1, 'one security.banned line, not one per request');
  // Repeats from one source are logged once in full, then counted in log.suppressed lines.
  await new Promise((resolve) => setTimeout(resolve, 2_500));
  const failed = server.events('auth.failed', since).length;
  const counted = server
    .events('log.suppressed', since)
    .filter((l) => l.of === 'auth.failed' && l.address === SHARED)
    .reduce((n, l) => n + Number(l.count), 0);
  t.ok(failed < 51, `the log is not flooded: ${failed} full auth.failed lines`);
  t.equal(failed + counted, 51, 'dropped requests did no digest work: 51 failures logged or counted');
});

t.test('the real trunk keeps registering from its own endpoint during the ban; nothing else there does', async (t) => {
  const again = await registerTrunk();
  t.equal(again.code, 0, 'SIPp from the binding endpoint: challenged, then 200', describeSipp(again));

  const otherPort = await RawSipClient.open('udp', target, { address: SHARED });
  t.teardown(() => otherPort.close());
  const rightPassword = new DigestUa(otherPort, { user: alice.sipId, password: alice.password, domain: DOMAIN });
  t.ok(await unanswered(rightPassword), 'another port at the banned address: dropped, even with the right password');

  const elsewhere = await RawSipClient.open('udp', target);
  t.teardown(() => elsewhere.close());
  const ok = await new DigestUa(elsewhere, { user: bob.sipId, password: bob.password, domain: DOMAIN }).register({
    contacts: [`<sip:bob@127.0.0.1:${elsewhere.localPort}>`],
    expires: 600,
  });
  t.equal(ok.status, 200, 'other addresses are not affected');
});

t.test('the operator lists the ban and lifts it; service comes back', async (t) => {
  const list = await http('GET', '/security/bans', operatorToken);
  t.equal(list.status, 200);
  t.match(list.body, [{ address: SHARED, reason: 'too many failed authentications', count: 51, sipId: bob.sipId }]);

  // Anyone below operator may not see or lift bans.
  t.equal(
    (await http('POST', '/accounts', operatorToken, { name: 'site-admin-1', password: 'Siteadmin12', role: 'site-admin', siteId: '1000001' })).status,
    201,
  );
  const adminToken = (await http('POST', '/auth/login', undefined, { name: 'site-admin-1', password: 'Siteadmin12' })).body.token as string;
  t.equal((await http('GET', '/security/bans', adminToken)).status, 403);
  t.equal((await http('DELETE', `/security/bans/${SHARED}`, adminToken)).status, 403);

  const since = server.mark();
  const lifted = await http('DELETE', `/security/bans/${SHARED}`, operatorToken);
  t.same(lifted, { status: 200, body: { address: SHARED, lifted: true } });
  t.match(await server.waitForEvent('security.unbanned', { since }), { address: SHARED, by: 'operator' });
  t.equal((await http('DELETE', `/security/bans/${SHARED}`, operatorToken)).status, 404, 'nothing left to lift');
  t.same((await http('GET', '/security/bans', operatorToken)).body, []);

  // Every node reloads its copy of the bans within a second.
  const client = await RawSipClient.open('udp', target, { address: SHARED });
  t.teardown(() => client.close());
  const ua = new DigestUa(client, { user: bob.sipId, password: bob.password, domain: DOMAIN });
  let status = 0;
  for (let attempt = 0; attempt < 5 && status !== 200; attempt++) {
    status = await ua.register({ contacts: [ua.contact()], expires: 600 }).then(
      (r) => r.status,
      () => 0,
    );
  }
  t.equal(status, 200, 'the address is served again');
});

t.test('a digest uri that is not the Request-URI is refused with 400 and logged', async (t) => {
  const client = await RawSipClient.open('udp', target);
  t.teardown(() => client.close());
  const ua = new DigestUa(client, { user: alice.sipId, password: alice.password, domain: DOMAIN });
  ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 }));
  const since = server.mark();
  // The right password, computed for another Request-URI.
  const { header } = buildDigestCredentials({
    username: alice.sipId,
    password: alice.password,
    realm: DOMAIN,
    nonce: ua.nonce!,
    algorithm: 'MD5',
    method: 'REGISTER',
    uri: 'sip:other.example',
    nc: 1,
    cnonce: randomToken(),
  });
  const refused = await client.register({
    user: alice.sipId,
    domain: DOMAIN,
    callId: ua.callId,
    cseq: ++ua.cseq,
    contacts: [ua.contact()],
    expires: 600,
    authorization: header,
  });
  t.equal(refused.status, 400);
  t.match(refused.header('warning'), /digest uri does not match the Request-URI/);
  t.match(await server.waitForEvent('auth.failed', { since }), {
    method: 'REGISTER',
    reason: 'malformed credentials',
    why: 'digest uri does not match the Request-URI',
    address: '127.0.0.1',
  });

  // SIPp left alone puts sip:SERVER:PORT there, not the Request-URI sip:test.example.
  const sipp = await runSipp({ scenario: 'register-wrong-password.xml', target, injection: [[alice.sipId, alice.password, DOMAIN]] });
  t.match(sipp.messages, /SIP\/2\.0 400 /, 'SIPp without -auth_uri is refused too');
});

/** INVITE -> 407 -> ACK -> INVITE with credentials (for the Request-URI) -> final answer -> ACK. */
async function invite(client: RawSipClient, user: string, password: string, called = '0312345670'): Promise<{ challenge: RawMessage; answer: RawMessage }> {
  const uri = `sip:${called}@${DOMAIN}`;
  const callId = `${randomToken()}@guessing`;
  const tag = randomToken();
  const headers = (cseq: number): Array<[string, string]> => [
    ['From', `<sip:0312345671@${DOMAIN}>;tag=${tag}`],
    ['To', `<${uri}>`],
    ['Call-ID', callId],
    ['CSeq', `${cseq} INVITE`],
    ['Contact', `<sip:${user}@127.0.0.1:${client.localPort}>`],
  ];
  const ack = (cseq: number, to: string | undefined): void =>
    client.sendRaw(
      client.buildRequest('ACK', uri, [
        ['From', `<sip:0312345671@${DOMAIN}>;tag=${tag}`],
        ['To', to ?? `<${uri}>`],
        ['Call-ID', callId],
        ['CSeq', `${cseq} ACK`],
      ]),
    );
  const challenge = await client.request(client.buildRequest('INVITE', uri, headers(1)));
  ack(1, challenge.header('to'));
  const nonce =
    challenge
      .all('proxy-authenticate')
      .map(parseChallenge)
      .find((c) => c.params.algorithm === 'MD5')?.params.nonce ?? '';
  const { header } = buildDigestCredentials({
    username: user,
    password,
    realm: DOMAIN,
    nonce,
    algorithm: 'MD5',
    method: 'INVITE',
    uri,
    nc: 1,
    cnonce: randomToken(),
  });
  const answer = await client.request(client.buildRequest('INVITE', uri, [...headers(2), ['Proxy-Authorization', header]]));
  ack(2, answer.header('to'));
  return { challenge, answer };
}

t.test("an INVITE with a wrong password becomes the line's latest error; an unknown SIP-ID leaves no trace", async (t) => {
  const client = await RawSipClient.open('udp', target);
  t.teardown(() => client.close());
  const { challenge, answer } = await invite(client, TEST_LINES.carol.sipId, 'not-carols-password');
  t.equal(challenge.status, 407);
  t.equal(answer.status, 403);
  const status = await lineStatus(config, TEST_LINES.carol.sipId);
  t.equal(status.latestError?.text, 'INVITE authentication failed: wrong password');

  const unknown = await invite(client, 'mallory-invite', 'whatever-123');
  t.equal(unknown.answer.status, 403);
  const peek = new Redis(redis.url);
  t.teardown(() => peek.disconnect());
  t.equal(await peek.exists('t1:regerr:mallory-invite'), 0, 'no latest-error key for a line that does not exist');
  t.equal(await peek.exists(`t1:regerr:${TEST_LINES.carol.sipId}`), 1, 'the key naming is the one checked above');
  t.equal(await peek.hget('t1:regerr-discard', 'text'), 'INVITE authentication failed: unknown SIP-ID', 'the same write went to the throwaway key');
});

t.test('an unknown SIP-ID gets the same answer as a wrong password, for INVITE and REGISTER', async (t) => {
  const client = await RawSipClient.open('udp', target);
  t.teardown(() => client.close());
  const shape = (m: RawMessage) => ({ start: m.startLine, names: m.headers.map(([n]) => n), server: m.header('server'), length: m.header('content-length') });
  const wrong = await invite(client, TEST_LINES.dave.sipId, 'wrong-password-9');
  const unknown = await invite(client, 'nobody-here', 'wrong-password-9');
  t.same(shape(unknown.challenge), shape(wrong.challenge), 'the same challenge');
  t.same(shape(unknown.answer), shape(wrong.answer), 'the same 403');

  const a = new DigestUa(client, { user: TEST_LINES.dave.sipId, password: 'wrong-password-9', domain: DOMAIN });
  const b = new DigestUa(client, { user: 'nobody-here', password: 'wrong-password-9', domain: DOMAIN });
  const ra = await a.register({ contacts: [a.contact()], expires: 600 });
  const rb = await b.register({ contacts: [b.contact()], expires: 600 });
  t.equal(ra.status, 403);
  t.same(shape(rb), shape(ra));
});

t.test('distributed guessing: sources failing for a targeted SIP-ID are banned sooner; the line is not locked', async (t) => {
  const { erin } = TEST_LINES;
  const since = server.mark();
  const guess = async (address: string, times: number) => {
    const client = await RawSipClient.open('udp', target, { address });
    const ua = new DigestUa(client, { user: erin.sipId, password: 'a-wrong-guess', domain: DOMAIN });
    ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 }));
    const statuses: number[] = [];
    for (let i = 0; i < times; i++)
      statuses.push(
        await ua.send({ contacts: [ua.contact()], expires: 600 }).then(
          (r) => r.status,
          () => 0,
        ),
      );
    client.close();
    return statuses;
  };
  // Eleven addresses, five guesses each: under the per-address limit, but 55 failures for erin (limit 50).
  for (let i = 31; i <= 41; i++) t.same(await guess(`127.0.0.${i}`, 5), [403, 403, 403, 403, 403], `127.0.0.${i}: five answered guesses`);
  t.same(server.events('security.banned', since), [], 'nobody banned yet');
  t.same(await guess('127.0.0.31', 2), [403, 0], 'a sixth guess from one of them is answered, then it is banned');
  t.match(await server.waitForEvent('security.banned', { since }), {
    address: '127.0.0.31',
    reason: 'guessing a targeted SIP-ID',
    count: 6,
    sipId: erin.sipId,
  });

  const client = await RawSipClient.open('udp', target, { address: '127.0.0.42' });
  t.teardown(() => client.close());
  const real = new DigestUa(client, { user: erin.sipId, password: erin.password, domain: DOMAIN });
  t.equal((await real.register({ contacts: [real.contact()], expires: 600 })).status, 200, 'erin itself still registers');
});

t.test('the admin CLI lists bans and lifts one', async (t) => {
  const home = tempDir('ss-admin-');
  const admin = adminCli(api, home);
  t.equal((await admin(['login', 'operator', '--password-stdin'], `${OPERATOR_PASSWORD}\n`)).code, 0);
  const bans = await admin(['bans']);
  t.equal(bans.code, 0, bans.stderr);
  t.match(JSON.parse(bans.stdout), [{ address: '127.0.0.31', reason: 'guessing a targeted SIP-ID' }]);
  const since = server.mark();
  const unban = await admin(['unban', '127.0.0.31']);
  t.equal(unban.code, 0, unban.stderr);
  t.same(JSON.parse(unban.stdout), { address: '127.0.0.31', lifted: true });
  t.match(await server.waitForEvent('security.unbanned', { since }), { address: '127.0.0.31', by: 'operator' });
  const again = await admin(['unban', '127.0.0.31']);
  t.equal(again.code, 1, 'nothing left to lift');
  t.match(again.stderr, /404 ban not found/);
  t.same(JSON.parse((await admin(['bans'])).stdout), []);
});

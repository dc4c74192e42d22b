import t from 'tap';
import { NonceIssuer } from '../../src/auth/nonce.js';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { lineStatus } from '../helpers/server-process.js';
import { startStack, TEST_LINES } from '../helpers/test-stack.js';
import { hash } from '../helpers/sip-digest.js';
import { describeSipp, receivedMessages, runSipp } from '../helpers/sipp.js';

/**
 * Digest authentication of REGISTER against the real server, a real
 * redis-server and SIPp: challenge then 200, wrong password (403 and the
 * latest-error record), unknown SIP-ID, stale nonce, replayed nonce-count,
 * SHA-256, and no secret in the logs.
 */
const DOMAIN = 'test.example';
const NONCE_SECRET = 'integration-test-nonce-secret-0123456789';
// At debug: the test counts refreshes in the log (registration.refreshed is a debug event).
const stack = await startStack({ nonceSecret: NONCE_SECRET, nonceLifetime: 300, logLevel: 'debug' });
t.teardown(() => stack.stop());
const { server, config } = stack;
const target = { port: config.port };
const { alice, bob } = TEST_LINES;

const udp = await RawSipClient.open('udp', target);
t.teardown(() => udp.close());

/** Every digest response value sent during this file: none may be logged. */
const sentResponses: string[] = [];
const ua = (user: string, password: string, algorithm: 'MD5' | 'SHA-256' = 'MD5') =>
  new DigestUa(udp, { user, password, domain: DOMAIN, algorithm, sentResponses });

t.test('SIPp: REGISTER is challenged, then accepted', async (t) => {
  const since = server.mark();
  const result = await runSipp({ scenario: 'register-auth.xml', target, injection: [[alice.sipId, alice.password, DOMAIN]] });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  t.equal(result.successful, 1);
  const [challenge, ok] = receivedMessages(result);
  t.match(challenge, /^SIP\/2\.0 401 /);
  const challenges = challenge!.split('\r\n').filter((l) => /^WWW-Authenticate:/i.test(l));
  t.equal(challenges.length, 2, 'one challenge per configured algorithm');
  t.match(challenges[0], /Digest .*algorithm=MD5/, 'configured order: MD5 first');
  t.match(challenges[1], /Digest .*algorithm=SHA-256/);
  for (const c of challenges) {
    t.match(c, /realm="test\.example"/);
    t.match(c, /qop="auth"/);
  }
  t.match(ok, /^SIP\/2\.0 200 /);
  t.match(ok, /Contact: <sip:alice@127\.0\.0\.1:\d+;transport=UDP>;expires=3600/);
  for (const m of result.messages.matchAll(/response="([0-9a-f]+)"/g)) sentResponses.push(m[1]!);

  const added = await server.waitForEvent('registration.added', { since, where: (l) => l.sipId === 'alice' });
  t.equal(added.transport, 'UDP');
  t.equal(added.address, '127.0.0.1');
  t.equal(added.expires, 3600);
  const status = await lineStatus(config, 'alice');
  t.equal(status.status, 'registered');
  t.equal(status.bindings.length, 1);
  t.equal(status.bindings[0]?.source.transport, 'UDP');
});

t.test('SIPp: a wrong password gets 403 and becomes the latest error', async (t) => {
  const since = server.mark();
  const before = Date.now();
  const result = await runSipp({
    scenario: 'register-wrong-password.xml',
    target,
    authUri: DOMAIN,
    injection: [[bob.sipId, 'not-the-password', DOMAIN]],
  });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  for (const m of result.messages.matchAll(/response="([0-9a-f]+)"/g)) sentResponses.push(m[1]!);

  const failed = await server.waitForEvent('auth.failed', { since, where: (l) => l.sipId === 'bob' });
  t.equal(failed.reason, 'wrong password');
  t.equal(failed.address, '127.0.0.1');
  const status = await lineStatus(config, 'bob');
  t.equal(status.status, 'not registered');
  t.equal(status.latestError?.text, 'REGISTER authentication failed: wrong password');
  const at = status.latestError?.at ?? '';
  t.match(at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+09:00$/, 'ISO time with the Tokyo offset');
  const when = Date.parse(at);
  t.ok(when >= before - 1000 && when <= Date.now() + 1000, `latest error time ${at} is now`);
});

t.test('an unknown SIP-ID gets exactly the same answer as a wrong password', async (t) => {
  const wrong = ua(alice.sipId, 'wrong-password-1');
  const unknown = ua('mallory', 'whatever-123');
  const contact = (u: DigestUa) => ({ contacts: [u.contact()], expires: 600 });
  const a = await wrong.register(contact(wrong));
  const b = await unknown.register(contact(unknown));
  t.equal(a.status, 403);
  t.equal(b.status, 403);
  t.equal(a.startLine, b.startLine);
  t.same(
    a.headers.map(([n]) => n),
    b.headers.map(([n]) => n),
    'same headers',
  );
  t.same(a.all('www-authenticate'), [], 'no new challenge');
  const failed = await server.waitForEvent('auth.failed', { where: (l) => l.sipId === 'mallory' });
  t.equal(failed.reason, 'unknown SIP-ID');
  t.equal(failed.address, '127.0.0.1');
});

t.test('a stale nonce with the right password gets a new challenge marked stale', async (t) => {
  // Signed with the server's secret but issued 400 s ago (lifetime 300 s).
  const old = new NonceIssuer(Buffer.from(NONCE_SECRET, 'utf8'), DOMAIN, 300_000, () => Date.now() - 400_000).issue();
  const agent = ua(alice.sipId, alice.password);
  agent.nonce = old;
  const stale = await agent.send({ contacts: [agent.contact()], expires: 600 });
  t.equal(stale.status, 401);
  t.ok(stale.challenges.length >= 1);
  for (const c of stale.challenges) t.equal(c.params.stale, 'true', 'stale=true on every challenge');
  t.not(stale.challenges[0]?.params.nonce, old, 'a fresh nonce');

  agent.takeChallenge(stale);
  const ok = await agent.send({ contacts: [agent.contact()], expires: 600 });
  t.equal(ok.status, 200, 'the fresh nonce is accepted');

  // A stale nonce with a wrong password is still a wrong password.
  const wrong = ua(alice.sipId, 'wrong-password-2');
  wrong.nonce = old;
  t.equal((await wrong.send({ contacts: [wrong.contact()], expires: 600 })).status, 403);

  // A nonce not signed by this server is no nonce at all: a plain challenge.
  const forged = ua(alice.sipId, alice.password);
  forged.nonce = new NonceIssuer(Buffer.from('another-secret-another-secret-another', 'utf8'), DOMAIN, 300_000).issue();
  const invalid = await forged.send({ contacts: [forged.contact()], expires: 600 });
  t.equal(invalid.status, 401);
  t.notOk(
    invalid.challenges.some((c) => c.params.stale === 'true'),
    'not marked stale',
  );
});

t.test('a replayed nonce-count is refused with a fresh challenge', async (t) => {
  const agent = ua(bob.sipId, bob.password);
  const contacts = [agent.contact()];
  t.equal((await agent.register({ contacts, expires: 600 })).status, 200);
  t.equal(agent.nc, 1);

  const since = server.mark();
  const replay = await agent.client.register({
    user: bob.sipId,
    domain: DOMAIN,
    callId: agent.callId,
    cseq: ++agent.cseq,
    contacts,
    expires: 600,
    authorization: agent.authorization(1),
  });
  t.equal(replay.status, 401, 'same nonce, same nc: not 200');
  t.ok(replay.challenges.length > 0, 'a fresh challenge');
  t.not(replay.challenges[0]?.params.nonce, agent.nonce);
  t.notOk(replay.challenges.some((c) => c.params.stale === 'true'));
  const failed = await server.waitForEvent('auth.failed', { since, where: (l) => l.sipId === 'bob' && l.reason === 'nonce-count replay' });
  t.equal(failed.address, '127.0.0.1');
  t.equal((await lineStatus(config, 'bob')).latestError?.text, 'REGISTER authentication failed: nonce-count replay');

  const next = await agent.client.register({
    user: bob.sipId,
    domain: DOMAIN,
    callId: agent.callId,
    cseq: ++agent.cseq,
    contacts,
    expires: 600,
    authorization: agent.authorization(2),
  });
  t.equal(next.status, 200, 'a higher nc with the same nonce is fine');
  const lower = await agent.client.register({
    user: bob.sipId,
    domain: DOMAIN,
    callId: agent.callId,
    cseq: ++agent.cseq,
    contacts,
    expires: 600,
    authorization: agent.authorization(1),
  });
  t.equal(lower.status, 401, 'a lower nc is a replay too');
});

t.test('a challenge is stateless (RFC 3261 §8.2.7), yet a copy of the REGISTER gets the same one, nonce included', async (t) => {
  const callId = `${randomToken()}@copy`;
  const register = (cseq: number) => udp.buildRegister({ user: alice.sipId, domain: DOMAIN, callId, cseq, contacts: [`<${udp.contactUri(alice.sipId)}>`] });
  const text = register(1);
  const first = await udp.request(text);
  t.equal(first.status, 401);
  const since = udp.received.length;
  udp.sendRaw(text); // the same bytes, same branch
  const again = await udp.waitFor((m) => m.isResponse && m.status === 401, { since });
  const nonce = (m: RawMessage) => /nonce="([^"]+)"/.exec(m.header('www-authenticate') ?? '')?.[1];
  t.ok(nonce(first), 'a nonce');
  // A client that answered the first challenge already takes a late copy's answer for the repeat it is.
  t.equal(again.raw, first.raw, 'the same answer, byte for byte');
  const next = await udp.request(register(2)); // the next request of the same call: a new branch
  t.equal(next.status, 401);
  t.not(nonce(next), nonce(first), 'another request, another nonce');
});

t.test('a challenge for a failure keeps its answer: a copy of the request is not counted twice', async (t) => {
  const agent = ua(alice.sipId, alice.password);
  agent.nonce = 'bm90LW91ci1ub25jZQ'; // a nonce this server never issued
  const text = udp.buildRegister({
    user: alice.sipId,
    domain: DOMAIN,
    callId: agent.callId,
    cseq: 1,
    contacts: [agent.contact()],
    authorization: agent.authorization(),
  });
  const first = await udp.request(text);
  t.equal(first.status, 401);
  const seen = udp.received.length;
  udp.sendRaw(text); // the same bytes, same branch
  const again = await udp.waitFor((m) => m.isResponse && m.status === 401, { since: seen });
  t.equal(again.raw, first.raw, 'the same answer, byte for byte: the transaction answered the copy');
});

t.test('a retransmitted REGISTER is answered again, not taken for a replay', async (t) => {
  const agent = ua(alice.sipId, alice.password);
  t.equal((await agent.register({ contacts: [agent.contact()], expires: 700 })).status, 200);
  const text = udp.buildRegister({
    user: alice.sipId,
    domain: DOMAIN,
    callId: agent.callId,
    cseq: ++agent.cseq,
    contacts: [agent.contact()],
    expires: 800,
    authorization: agent.authorization(),
  });
  const since = server.mark();
  const seen = udp.received.length;
  const cseq = `${agent.cseq} REGISTER`;
  const answered = (n: number) => (m: RawMessage) => m.cseq === cseq && udp.received.slice(seen).filter((r) => r.cseq === cseq).length >= n;
  udp.sendRaw(text);
  await udp.waitFor(answered(1), { since: seen });
  // The same bytes again, same branch: a UDP retransmission of a completed transaction (RFC 3261 §17.2.2).
  udp.sendRaw(text);
  await udp.waitFor(answered(2), { since: seen });
  const answers = udp.received.slice(seen).filter((m) => m.cseq === cseq);
  t.same(
    answers.map((m) => m.status),
    [200, 200],
    'the same final response twice',
  );
  t.equal(answers[0]?.raw, answers[1]?.raw, 'byte for byte');
  // The log travels through a pipe and may come after the answers: wait for its line, then a moment for a second.
  await server.waitForEvent('registration.refreshed', { since, where: (l) => l.expires === 800 });
  await new Promise((resolve) => setTimeout(resolve, 200));
  // Filtered on this REGISTER's expiry: the previous REGISTER's log line may be read after the mark.
  t.equal(server.events('registration.refreshed', since).filter((l) => l.expires === 800).length, 1, 'handled once');
  t.equal(server.events('auth.failed', since).length, 0, 'no replay reported');
});

t.test('SHA-256 digest (RFC 8760) is accepted', async (t) => {
  const agent = ua(bob.sipId, bob.password, 'SHA-256');
  const first = await agent.send({ contacts: [agent.contact()], expires: 900 });
  t.equal(first.status, 401);
  t.ok(agent.takeChallenge(first), 'a SHA-256 challenge is offered');
  t.equal(agent.algorithm, 'SHA-256');
  const res = await agent.send({ contacts: [agent.contact()], expires: 900 });
  t.equal(res.status, 200);
  t.ok(
    res.contacts.some((c) => c.uri === udp.contactUri('bob') && c.params.expires === '900'),
    'the contact is listed with its new expiry',
  );
});

t.test('the To user must be the authenticated SIP-ID', async (t) => {
  const agent = ua(alice.sipId, alice.password);
  const first = await agent.send({ contacts: [agent.contact()], expires: 600, toUser: 'bob' });
  t.equal(first.status, 401);
  agent.takeChallenge(first);
  const res = await agent.send({ contacts: [agent.contact()], expires: 600, toUser: 'bob' });
  t.equal(res.status, 403);
});

t.test('a REGISTER for a domain we do not serve gets 404', async (t) => {
  const res = await udp.request(
    udp.buildRequest('REGISTER', 'sip:elsewhere.example', [
      ['From', '<sip:alice@elsewhere.example>;tag=x'],
      ['To', '<sip:alice@elsewhere.example>'],
      ['Call-ID', `${randomToken()}@raw`],
      ['CSeq', '1 REGISTER'],
      ['Contact', `<${udp.contactUri('alice')}>`],
    ]),
  );
  t.equal(res.status, 404);
});

t.test('no secret ever reaches the log', async (t) => {
  const output = server.output;
  t.ok(output.includes('"event":"auth.failed"'), 'the log has the failures');
  const secrets: Array<[string, string]> = [];
  for (const { sipId, password } of [alice, bob]) {
    secrets.push([`${sipId} password`, password]);
    secrets.push([`${sipId} HA1 MD5`, hash('MD5', `${sipId}:${DOMAIN}:${password}`)]);
    secrets.push([`${sipId} HA1 SHA-256`, hash('SHA-256', `${sipId}:${DOMAIN}:${password}`)]);
  }
  secrets.push(['wrong password', 'not-the-password'], ['nonce secret', NONCE_SECRET]);
  t.ok(sentResponses.length >= 8, `checked ${sentResponses.length} digest responses`);
  for (const response of sentResponses) secrets.push(['digest response', response]);
  for (const [what, secret] of secrets) t.notOk(output.includes(secret), `${what} not logged`);
  t.notOk(/Digest username/i.test(output), 'no Authorization header value logged');
});

import t from 'tap';
import { DigestUa, RawMessage, RawSipClient } from '../helpers/raw-sip-client.js';
import { lineStatus } from '../helpers/server-process.js';
import { startStack, TEST_LINES } from '../helpers/test-stack.js';
import { describeSipp, receivedMessages, runSipp, type SippOptions } from '../helpers/sipp.js';

/**
 * Binding rules (RFC 3261 §10.3) end to end: refresh, Expires 0, `*`, 423,
 * several contacts and their limit, clamping, q-values, Path, expiry, and
 * the registration.* log events.
 */
const DOMAIN = 'test.example';
// minExpires 2 so that expiry can be watched within the test's time budget.
const stack = await startStack({ registrar: { minExpires: 2, maxExpires: 3600, defaultExpires: 3600, maxContacts: 3 } });
t.teardown(() => stack.stop());
const { server, config } = stack;
const target = { port: config.port };
const { alice, bob, carol, dave, erin } = TEST_LINES;

const sipp = async (scenario: string, line: { sipId: string; password: string }, extra: Partial<SippOptions> = {}) => {
  const result = await runSipp({ scenario, target, authUri: DOMAIN, injection: [[line.sipId, line.password, DOMAIN]], ...extra });
  return { result, responses: receivedMessages(result).map((m) => RawMessage.parse(m)) };
};

const udp = await RawSipClient.open('udp', target);
t.teardown(() => udp.close());
const ua = (line: { sipId: string; password: string }) => new DigestUa(udp, { user: line.sipId, password: line.password, domain: DOMAIN });
/** A contact URI of this client's socket with a distinguishing parameter. */
const contactOf = (user: string, tag: string, after = '') => `<${udp.contactUri(user, `;c=${tag}`)}>${after}`;

t.test('SIPp: a registration is refreshed with a new expiry', async (t) => {
  const since = server.mark();
  const { result, responses } = await sipp('register-refresh.xml', alice, { keys: { expires: '600', refresh: '1800' } });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  t.same(
    responses.map((r) => r.status),
    [401, 200, 401, 200],
  );
  t.equal(responses[1]?.contacts[0]?.params.expires, '600');
  t.equal(responses[3]?.contacts.length, 1, 'still one binding');
  t.equal(responses[3]?.contacts[0]?.params.expires, '1800');

  const added = await server.waitForEvent('registration.added', { since, where: (l) => l.sipId === 'alice' });
  const status = await lineStatus(config, 'alice');
  t.equal(status.bindings.length, 1);
  t.equal(status.bindings[0]?.uri, added.contact, 'the same binding, refreshed in the store');
  t.equal(server.events('registration.refreshed', since).length, 0, 'a refresh is not logged at info (debug only)');
  const left = (status.bindings[0]!.expiresAt - Date.now()) / 1000;
  t.ok(left > 1790 && left <= 1800, `binding expires in ${left} s`);
});

t.test('SIPp: Expires 0 removes the binding', async (t) => {
  const since = server.mark();
  const { result, responses } = await sipp('register-unregister.xml', bob);
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  t.same(
    responses.map((r) => r.status),
    [401, 200, 401, 200],
  );
  t.equal(responses[1]?.contacts.length, 1);
  t.same(responses[3]?.contacts, [], 'the last 200 lists no contact');
  const removed = await server.waitForEvent('registration.removed', { since, where: (l) => l.sipId === 'bob' });
  t.match(removed.contact, /^sip:bob@127\.0\.0\.1:\d+/);
  t.equal((await lineStatus(config, 'bob')).status, 'not registered');
});

t.test('SIPp: too brief an interval gets 423 with Min-Expires', async (t) => {
  const { result, responses } = await sipp('register-423.xml', carol, { keys: { expires: '1' } });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  const brief = responses.at(-1)!;
  t.equal(brief.status, 423);
  t.equal(brief.header('min-expires'), '2');
  const status = await lineStatus(config, 'carol');
  t.equal(status.status, 'not registered');
  t.match(status.latestError?.text, /^REGISTER refused: 423/);
});

t.test('SIPp: several contacts in one REGISTER', async (t) => {
  const { result, responses } = await sipp('register-multi-contact.xml', carol);
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  const ok = responses.at(-1)!;
  t.equal(ok.status, 200);
  t.equal(ok.contacts.length, 2);
  t.ok(ok.contacts.some((c) => /^sip:carol@/.test(c.uri) && c.params.q === undefined));
  t.ok(ok.contacts.some((c) => /^sip:carol-b@/.test(c.uri) && c.params.q === '0.5'));
  for (const c of ok.contacts) t.equal(c.params.expires, '600');
  const status = await lineStatus(config, 'carol');
  t.equal(status.status, 'registered');
  t.same(
    status.bindings.map((b) => b.q ?? 1),
    [1, 0.5],
    'best q first',
  );
});

t.test('more contacts than the limit: 403, nothing changed', async (t) => {
  const agent = ua(carol); // carol has 2 bindings from SIPp; the limit is 3
  const res = await agent.register({ contacts: [contactOf('carol', 'x1'), contactOf('carol', 'x2')], expires: 600 });
  t.equal(res.status, 403);
  const status = await lineStatus(config, 'carol');
  t.equal(status.bindings.length, 2);
  t.match(status.latestError?.text, /^REGISTER refused: 403 Too many contacts/);
  const one = await agent.register({ contacts: [contactOf('carol', 'x1')], expires: 600 });
  t.equal(one.status, 200, 'up to the limit is fine');
  t.equal(one.contacts.length, 3);
});

t.test('expiry above the maximum is clamped; a contact expires param wins over Expires', async (t) => {
  const agent = ua(dave);
  const res = await agent.register({ contacts: [contactOf('dave', 'long'), contactOf('dave', 'param', ';expires=120')], expires: 99999 });
  t.equal(res.status, 200);
  const byTag = new Map(res.contacts.map((c) => [/;c=(\w+)/.exec(c.uri)?.[1], c.params.expires]));
  t.equal(byTag.get('long'), '3600');
  t.equal(byTag.get('param'), '120');
});

t.test('a REGISTER without Contact lists the bindings; q-values are kept', async (t) => {
  const agent = ua(dave);
  t.equal((await agent.register({ contacts: [contactOf('dave', 'q7', ';q=0.7')], expires: 600 })).status, 200);
  const query = await agent.register();
  t.equal(query.status, 200);
  t.equal(query.contacts.length, 3);
  t.equal(query.contacts.find((c) => c.uri.includes(';c=q7'))?.params.q, '0.7');
});

t.test('Contact: * needs Expires: 0, then removes every binding', async (t) => {
  const agent = ua(dave);
  t.equal((await agent.register({ contacts: '*' })).status, 400, '* without Expires');
  t.equal((await agent.register({ contacts: '*', expires: 60 })).status, 400, '* with Expires 60');
  t.equal((await lineStatus(config, 'dave')).bindings.length, 3, 'nothing removed');
  const since = server.mark();
  const res = await agent.register({ contacts: '*', expires: 0 });
  t.equal(res.status, 200);
  t.same(res.contacts, []);
  t.equal((await lineStatus(config, 'dave')).status, 'not registered');
  const removedOfDave = () => server.events('registration.removed', since).filter((l) => l.sipId === 'dave');
  await server.waitForEvent('registration.removed', { since, where: () => removedOfDave().length >= 3 });
  t.same(
    removedOfDave()
      .map((l) => /;c=(\w+)/.exec(String(l.contact))?.[1])
      .sort(),
    ['long', 'param', 'q7'],
    'one event per binding',
  );
});

t.test('an older CSeq on the same Call-ID is refused', async (t) => {
  const agent = ua(dave);
  t.equal((await agent.register({ contacts: [contactOf('dave', 'order')], expires: 600 })).status, 200);
  agent.cseq -= 3; // the next REGISTER carries a lower CSeq than the binding's
  const res = await agent.send({ contacts: [contactOf('dave', 'order')], expires: 300 });
  t.equal(res.status, 500);
  const status = await lineStatus(config, 'dave');
  const left = (status.bindings[0]!.expiresAt - Date.now()) / 1000;
  t.ok(left > 590, 'binding unchanged');
});

t.test('Path (RFC 3327) is stored and echoed to a UA that supports it', async (t) => {
  const agent = ua(erin);
  const path = '<sip:edge1.test.example;lr>';
  const res = await agent.register({
    contacts: [contactOf('erin', 'p')],
    expires: 600,
    headers: [
      ['Path', path],
      ['Supported', 'path'],
    ],
  });
  t.equal(res.status, 200);
  t.same(res.all('path'), [path]);
  const status = await lineStatus(config, 'erin');
  t.same(status.bindings[0]?.path, [path]);
  const quiet = await agent.register({ contacts: [contactOf('erin', 'p')], expires: 600, headers: [['Path', path]] });
  t.equal(quiet.status, 200);
  t.same(quiet.all('path'), [], 'no Path echoed without Supported: path');
});

t.test('a binding that is not refreshed expires by itself', async (t) => {
  const agent = ua(erin);
  t.equal((await agent.register({ contacts: '*', expires: 0 })).status, 200);
  const since = server.mark();
  const res = await agent.register({ contacts: [contactOf('erin', 'short')], expires: 2 });
  t.equal(res.status, 200);
  t.equal(res.contacts[0]?.params.expires, '2');
  const expired = await server.waitForEvent('registration.expired', { since, timeoutMs: 6000, where: (l) => l.sipId === 'erin' });
  t.match(expired.contact, /;c=short/);
  t.equal(expired.address, '127.0.0.1');
  t.equal((await lineStatus(config, 'erin')).status, 'not registered');
  t.equal(server.events('registration.expired', since).filter((l) => l.sipId === 'erin').length, 1, 'reported once');
});

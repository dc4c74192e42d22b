import t, { type Test } from 'tap';
import { DigestUa, RawSipClient, randomToken, type RawMessage } from '../helpers/raw-sip-client.js';
import { lineStatus } from '../helpers/server-process.js';
import { startStack, TEST_LINES } from '../helpers/test-stack.js';
import { describeSipp, receivedMessages, runSipp } from '../helpers/sipp.js';

/**
 * Transports and the SIP core's own answers: REGISTER over TCP as well as
 * UDP, OPTIONS 200, 405/501 for what no handler takes, 400 for malformed
 * input (logged as sip.malformed), and the server serving on after all of it.
 */
const DOMAIN = 'test.example';
const stack = await startStack();
t.teardown(() => stack.stop());
const { server, config } = stack;
const target = { port: config.port };
const { alice, bob } = TEST_LINES;

const clients: RawSipClient[] = [];
t.teardown(() => clients.forEach((c) => c.close()));
const open = async (transport: 'udp' | 'tcp') => {
  const client = await RawSipClient.open(transport, target);
  clients.push(client);
  return client;
};

/** A minimal out-of-dialog request of any method. */
function request(client: RawSipClient, method: string, extra: Array<[string, string]> = []): string {
  return client.buildRequest(method, `sip:${DOMAIN}`, [
    ['From', `<sip:probe@${DOMAIN}>;tag=${randomToken()}`],
    ['To', `<sip:${DOMAIN}>`],
    ['Call-ID', `${randomToken()}@probe`],
    ['CSeq', `1 ${method}`],
    ...extra,
  ]);
}

async function stillServing(t: Test, client: RawSipClient): Promise<void> {
  const res = await client.request(request(client, 'OPTIONS'));
  t.equal(res.status, 200, 'the server still answers');
}

t.test('SIPp over TCP: challenge then 200, bound to the TCP connection', async (t) => {
  const since = server.mark();
  const result = await runSipp({ scenario: 'register-auth.xml', target, transport: 'tcp', injection: [[alice.sipId, alice.password, DOMAIN]] });
  t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
  t.same(
    receivedMessages(result).map((m) => m.split(' ')[1]),
    ['401', '200'],
  );
  const added = await server.waitForEvent('registration.added', { since, where: (l) => l.sipId === 'alice' });
  t.equal(added.transport, 'TCP');
  const binding = (await lineStatus(config, 'alice')).bindings[0];
  t.equal(binding?.source.transport, 'TCP');
  t.equal(binding?.source.node, 'node-a');
  t.ok(binding?.source.connectionId, 'the connection is remembered');
});

t.test('raw UA over TCP with SHA-256; the answers come back on the same connection', async (t) => {
  const tcp = await open('tcp');
  const ua = new DigestUa(tcp, { user: bob.sipId, password: bob.password, domain: DOMAIN, algorithm: 'SHA-256' });
  const res = await ua.register({ contacts: [ua.contact()], expires: 600 });
  t.equal(res.status, 200);
  t.match(res.header('via'), /^SIP\/2\.0\/TCP /);
  const binding = (await lineStatus(config, 'bob')).bindings[0];
  t.equal(binding?.source.transport, 'TCP');
  t.equal(binding?.source.port, tcp.localPort);
});

t.test('SIPp: OPTIONS gets 200 with Allow, over UDP and TCP', async (t) => {
  for (const transport of ['udp', 'tcp'] as const) {
    const result = await runSipp({ scenario: 'options.xml', target, transport });
    t.equal(result.code, 0, 'SIPp scenario succeeded', describeSipp(result));
    const [ok] = receivedMessages(result);
    t.match(ok, /^SIP\/2\.0 200 /, transport);
    t.match(ok, /\r\nAllow: [^\r]*REGISTER/, 'Allow lists REGISTER');
  }
});

t.test('a known method with no handler gets 405 with the Allow an OPTIONS answer has; BYE outside a dialog 481; an unknown one 501', async (t) => {
  const udp = await open('udp');
  const options = await udp.request(request(udp, 'OPTIONS'));
  t.equal(options.status, 200);
  for (const method of ['SUBSCRIBE', 'MESSAGE']) {
    const res = await udp.request(request(udp, method));
    t.equal(res.status, 405, method);
    const allow = res.list('allow');
    t.same(allow, options.list('allow'), `Allow: ${allow.join(', ')}`);
    t.notOk(allow.includes(method), `Allow does not offer ${method}`);
  }
  t.ok(options.list('allow').includes('BYE'), 'BYE is allowed (inside dialogs)');
  const bye = await udp.request(request(udp, 'BYE'));
  t.equal(bye.status, 481, 'a BYE outside any dialog');
  const unknown = await udp.request(request(udp, 'FROBNICATE'));
  t.equal(unknown.status, 501);
  const tcp = await open('tcp');
  t.equal((await tcp.request(request(tcp, 'FROBNICATE'))).status, 501, '501 over TCP as well');
});

t.test('malformed requests get 400, are logged, and the server serves on', async (t) => {
  const udp = await open('udp');
  const via = `Via: SIP/2.0/UDP 127.0.0.1:${udp.localPort};branch=z9hG4bK-${randomToken()};rport`;
  const base = (callId: string, cseq: string, extra = '') =>
    `OPTIONS sip:${DOMAIN} SIP/2.0\r\n${via}\r\nFrom: <sip:a@${DOMAIN}>;tag=1\r\nTo: <sip:${DOMAIN}>\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\n${extra}Content-Length: 0\r\n\r\n`;
  const cases: Array<[string, string]> = [
    ['bad CSeq', base('m1', 'abc OPTIONS')],
    ['header line without a colon', base('m2', '1 OPTIONS', 'this is not a header\r\n')],
    ['CSeq method differs from the method', base('m3', '1 REGISTER')],
    ['Content-Length past the end', base('m4', '1 OPTIONS').replace('Content-Length: 0\r\n\r\n', 'Content-Length: 50\r\n\r\nshort')],
  ];
  for (const [what, text] of cases) {
    const since = server.mark();
    const seen = udp.received.length;
    udp.sendRaw(text);
    const callId = /Call-ID: (\S+)/.exec(text)![1];
    const res: RawMessage = await udp.waitFor((m) => m.callId === callId, { since: seen });
    t.equal(res.status, 400, what);
    t.match(res.header('warning'), /^399 /, 'the reason is in a Warning header');
    const logged = await server.waitForEvent('sip.malformed', { since });
    t.equal(logged.address, '127.0.0.1');
    t.equal(logged.port, udp.localPort);
    t.type(logged.why, 'string');
  }

  // Another SIP version: understood enough to answer, with 505 (RFC 3261 §8.2.1).
  const v7 = base('m5', '1 OPTIONS').replace(`OPTIONS sip:${DOMAIN} SIP/2.0`, `OPTIONS sip:${DOMAIN} SIP/7.0`);
  const seenV7 = udp.received.length;
  udp.sendRaw(v7);
  const v7res: RawMessage = await udp.waitFor((m) => m.callId === 'm5', { since: seenV7 });
  t.equal(v7res.status, 505, 'unsupported SIP version');

  const since = server.mark();
  udp.sendRaw(Buffer.from([0, 1, 2, 0xff, 0xfe, 0x0d, 0x0a, 0x0d, 0x0a]));
  const garbage = await server.waitForEvent('sip.malformed', { since });
  t.ok(garbage.why, `garbage logged: ${String(garbage.why)}`);
  await stillServing(t, udp);
});

t.test('a TCP stream that cannot be framed is closed, and logged', async (t) => {
  const tcp = await open('tcp');
  const since = server.mark();
  // No Content-Length: on a stream the end of the message cannot be known (RFC 3261 §18.3).
  tcp.sendRaw(
    `OPTIONS sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:${tcp.localPort};branch=z9hG4bK-x\r\nFrom: <sip:a@${DOMAIN}>;tag=1\r\nTo: <sip:${DOMAIN}>\r\nCall-ID: nolen\r\nCSeq: 1 OPTIONS\r\n\r\n`,
  );
  const logged = await server.waitForEvent('sip.malformed', { since });
  t.equal(logged.address, '127.0.0.1');
  t.match(logged.why, /Content-Length/);
  await Promise.race([tcp.closed, new Promise((_, reject) => setTimeout(() => reject(new Error('connection not closed')), 3000))]);
  t.ok(tcp.isClosed, 'the server closed the connection');
  await stillServing(t, await open('tcp'));
});

t.test('an IP-authenticated trunk has no registration status', async (t) => {
  t.equal((await lineStatus(config, 'gw1')).status, 'not applicable');
});

import t, { type Test } from 'tap';
import { ackFor, authorizedInvite, rawCall, registerLine, type RawLine } from '../helpers/raw-call.js';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { DigestUa, RawSipClient, type RawTransport } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { lineStatus, provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { addListeners, selfSignedCertificate } from '../helpers/tls-cert.js';

/**
 * SIP over TLS (RFC 3261 §26) and WebSocket over TLS (RFC 7118) against the
 * real server: one node listening on UDP, TCP, TLS, WS and WSS with a
 * self-signed certificate made by openssl; one line per transport, each a
 * raw client (node:tls, ws) that registers with digest and then calls and is
 * called across transports. Each call runs to the end: INVITE, 200, then the
 * ACK and BYE that reach the callee over the connection it registered on
 * (flow token in our Record-Route), with a second Record-Route entry when the
 * call changes transport (RFC 5658).
 */
const DOMAIN = 'test.example';
const cert = selfSignedCertificate();
/** A phone's certificate the node does not trust. */
const stranger = selfSignedCertificate('stranger.test');
const redis = await startTestRedis();
t.teardown(() => redis.stop());
const config = await writeServerConfig({ redisUrl: redis.url, keyPrefix: 'tls:', domain: DOMAIN, algorithms: ['MD5'] });
// The node trusts its own test certificate as a CA, as an operator adds the CA of its phones' certificates.
const ports = await addListeners(config, cert, ['tls', 'ws', 'wss'], { caFile: cert.certFile });
const TRANSPORTS: RawTransport[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];
const NUMBERS: Record<RawTransport, string> = { udp: '0312348001', tcp: '0312348002', tls: '0312348003', ws: '0312348004', wss: '0312348005' };
await provision(config, {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Transports',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: TRANSPORTS.map((transport) => ({
            sipId: `line-${transport}`,
            password: `${transport}-secret-123`,
            auth: 'digest',
            channels: 4,
            basicNumber: NUMBERS[transport],
          })),
        },
      ],
    },
  ],
});
const server = await ServerProcess.start(config);
t.teardown(() => server.stop());

const portOf = (transport: RawTransport): number => (transport === 'udp' || transport === 'tcp' ? config.port : ports[transport]);
const lines = {} as Record<RawTransport, RawLine>;
for (const transport of TRANSPORTS) {
  const client = await RawSipClient.open(transport, { port: portOf(transport) });
  t.teardown(() => client.close());
  lines[transport] = { client, sipId: `line-${transport}`, password: `${transport}-secret-123`, number: NUMBERS[transport] };
}

t.test('the node listens on TLS and WSS as configured', async (t) => {
  const listening = server.events('server.listening')[0];
  t.match(listening?.addresses, [
    { transport: 'UDP' },
    { transport: 'TCP' },
    { transport: 'TLS', port: ports.tls },
    { transport: 'WS', port: ports.ws },
    { transport: 'WSS', port: ports.wss },
  ]);
});

t.test('every line registers with digest over its own transport; TLS and WSS bindings keep their connection', async (t) => {
  for (const transport of TRANSPORTS) {
    const since = server.mark();
    const answer = await registerLine(lines[transport], DOMAIN);
    t.equal(answer.status, 200, `${transport}: 200 after the digest challenge`);
    const added = await server.waitForEvent('registration.added', { since, where: (l) => l.sipId === `line-${transport}` });
    t.equal(added.transport, transport.toUpperCase(), `${transport}: registration.added names the transport`);
  }
  const tls = await lineStatus(config, 'line-tls');
  t.equal(tls.bindings[0]?.source.transport, 'TLS');
  t.match(tls.bindings[0]?.source.connectionId, /^tls-[0-9a-f]+-\d+$/, 'the TLS connection is remembered');
  t.match(tls.bindings[0]?.uri, /^sips:/, 'a sips: Contact');
  const wss = await lineStatus(config, 'line-wss');
  t.equal(wss.bindings[0]?.source.transport, 'WSS');
  t.match(wss.bindings[0]?.source.connectionId, /^wss-[0-9a-f]+-\d+$/, 'the WSS connection is remembered');
});

/** The Via the server put on top of a request it relayed to a client. */
const topVia = (m: { all(name: string): string[] }): string => m.all('via')[0] ?? '';

const CALLS: Array<[RawTransport, RawTransport]> = [
  ['tls', 'udp'],
  ['udp', 'tls'],
  ['ws', 'tls'],
  ['tcp', 'wss'],
  ['wss', 'tcp'],
  ['tls', 'wss'],
];

for (const [from, to] of CALLS) {
  t.test(`a call from the ${from.toUpperCase()} line to the ${to.toUpperCase()} line runs to its BYE`, async (t) => {
    const trace = await rawCall(lines[from], lines[to], DOMAIN);
    const TO = to.toUpperCase();
    t.match(topVia(trace.invite), new RegExp(`^SIP/2\\.0/${TO} `), `the INVITE reached the callee with our ${TO} Via`);
    t.match(topVia(trace.bye), new RegExp(`^SIP/2\\.0/${TO} `), `so did the BYE`);
    t.equal(trace.byeAnswer.status, 200, 'the caller got the callee’s 200 to its BYE');
    const rr = trace.answer.list('record-route');
    t.equal(rr.length, 2, 'two Record-Route entries: the call changes transport (RFC 5658)');
    const secure = (transport: RawTransport): RegExp => {
      if (transport === 'tls') return new RegExp(`^<sips:[^>]*:${ports.tls};lr;`);
      if (transport === 'wss') return new RegExp(`^<sips:[^>]*:${ports.wss};transport=ws;lr;`);
      if (transport === 'ws') return new RegExp(`^<sip:[^>]*:${ports.ws};transport=ws;lr;`);
      return new RegExp(`^<sip:[^>]*:${config.port}${transport === 'tcp' ? ';transport=tcp' : ''};lr;`);
    };
    t.match(rr[0], secure(to), `the callee's side of our route names ${TO}`);
    t.match(rr[1], secure(from), `the caller's side names ${from.toUpperCase()}`);
    if (to === 'tls') t.match(trace.invite.uri, /^sips:0312348003@127\.0\.0\.1:\d+$/, 'a sips: Contact is called with its sips: URI');
  });
}

/** A phone's own TLS listener at its Contact: the connections the node opens to it, as raw clients. */
async function tlsPhone(t: Test, pair: { certFile: string; keyFile: string }) {
  const accepted: RawSipClient[] = [];
  let handshakesFailed = 0;
  const listener = tls.createServer({ cert: readFileSync(pair.certFile), key: readFileSync(pair.keyFile) }, (socket) => {
    accepted.push(RawSipClient.fromSocket('tls', socket, { host: '127.0.0.1', port: ports.tls }));
  });
  listener.on('tlsClientError', () => handshakesFailed++);
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const c of accepted) c.close();
    listener.close();
  });
  return { port: (listener.address() as { port: number }).port, accepted, failed: () => handshakesFailed };
}

/** The TLS line registers `contact` over a fresh connection, which then closes: the binding stays, its connection is gone. */
async function registerThenHangUp(contact: string): Promise<void> {
  const client = await RawSipClient.open('tls', { port: ports.tls });
  const ua = new DigestUa(client, { user: lines.tls.sipId, password: lines.tls.password, domain: DOMAIN });
  if ((await ua.register({ contacts: '*', expires: 0 })).status !== 200) throw new Error('unregister failed');
  if ((await ua.register({ contacts: [`<${contact}>`], expires: 600 })).status !== 200) throw new Error('register failed');
  client.close();
  await client.closed;
}

t.test('a TLS line whose connection is gone is called at its Contact over a new TLS connection, never in the clear', async (t) => {
  const phone = await tlsPhone(t, cert);
  await registerThenHangUp(`sips:${NUMBERS.tls}@127.0.0.1:${phone.port}`);
  const since = server.mark();
  const call = await authorizedInvite(lines.tcp, NUMBERS.tls, DOMAIN);
  const deadline = Date.now() + 8000;
  while (phone.accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const callee = phone.accepted[0];
  t.ok(callee, 'the node opened a TLS connection to the Contact (its certificate trusted through sip.tls.caFile)');
  if (!callee) return;
  const invite = await callee.waitFor((m) => m.method === 'INVITE');
  t.match(invite.all('via')[0], /^SIP\/2\.0\/TLS /, 'the INVITE came over TLS with our TLS Via');
  t.match(invite.uri, new RegExp(`^sips:${NUMBERS.tls}@127\\.0\\.0\\.1:${phone.port}$`));
  callee.sendRaw(callee.buildResponse(invite, 486, 'Busy Here', { toTag: 'busy' }));
  const answer = await call.answered;
  lines.tcp.client.sendRaw(ackFor(call.request, answer));
  t.equal(answer.status, 486, "the phone's answer came back to the caller");
  t.match(await server.waitForEvent('call.flow_gone', { since }), { sipId: lines.tls.sipId, transport: 'TLS', tried: 'contact' });
});

t.test('a Contact whose certificate the node does not trust gets no INVITE: the handshake is refused and logged', async (t) => {
  const phone = await tlsPhone(t, stranger);
  await registerThenHangUp(`sips:${NUMBERS.tls}@127.0.0.1:${phone.port}`);
  const since = server.mark();
  const call = await authorizedInvite(lines.tcp, NUMBERS.tls, DOMAIN);
  const answer = await call.answered;
  lines.tcp.client.sendRaw(ackFor(call.request, answer));
  t.ok(answer.status >= 400, `the call fails (${answer.status})`);
  t.same(
    phone.accepted.flatMap((c) => c.received),
    [],
    'no SIP message reached the untrusted end',
  );
  t.match(
    await server.waitForEvent('sip.malformed', { since, where: (l) => l.transport === 'TLS' }),
    { why: /^TLS connection failed: .*(self[- ]signed|certificate)/i, port: phone.port },
    'the refused certificate is logged',
  );
});

t.test('a line whose Contact is sips: is never called in the clear: registered over UDP, it gets no INVITE', async (t) => {
  // The UDP line (last use) swaps its binding for a sips: Contact, as if it claimed TLS, and is called.
  const line = lines.udp;
  const ua = new DigestUa(line.client, { user: line.sipId, password: line.password, domain: DOMAIN });
  t.equal((await ua.register({ contacts: '*', expires: 0 })).status, 200, 'old binding removed');
  const sips = await ua.register({ contacts: [`<sips:${line.number}@127.0.0.1:${line.client.localPort}>`], expires: 600 });
  t.equal(sips.status, 200, 'the registration itself is accepted');
  const seen = line.client.received.length;
  const since = server.mark();
  await t.rejects(rawCall(lines.tcp, line, DOMAIN, 4000), /expected 200, got SIP\/2\.0 4\d\d/, 'the call fails');
  t.notOk(
    line.client.received.slice(seen).some((m) => m.method === 'INVITE'),
    'no INVITE went to the sips: Contact over UDP',
  );
  const refused = await server.waitForEvent('security.sips_downgrade_refused', { since });
  t.match(refused, { sipId: line.sipId, transport: 'UDP', contact: /^sips:/ }, 'the refusal is logged, naming line, transport and Contact');
});

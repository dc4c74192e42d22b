import t from 'tap';
import { DOMAIN, startCallStack } from '../helpers/call-harness.js';
import { DigestUa, randomToken, RawSipClient, type RawMessage } from '../helpers/raw-sip-client.js';
import { quietPeriod, UdpSink } from '../helpers/udp-sink.js';

/**
 * Attacks on the proxy, against the real server and a real redis-server
 * (docs/product.md §7 "No open relay"): requests that only claim to be inside a dialog,
 * one-packet forwarding loops, credentials leaking to the far end. A bare UDP
 * socket on another loopback address plays the carrier a relay would reach.
 * Real dialogs (a trusted trunk calling a registered line) show what is still
 * relayed: only along the Record-Route the server signed.
 */
const CALLER = { sipId: 'pbx-trusted', number: '0312340001', address: '127.0.0.5' };
const CALLEE = { sipId: 'bob', password: 'bob-secret-456', number: '0312340002' };
/** Another IP-authenticated trunk: it trusts the softswitch's address, and is in none of the calls below. */
const OTHER_TRUNK = { sipId: 'pbx-other', number: '0312340003', address: '127.0.0.69' };

const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Security',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: CALLER.sipId, auth: 'ip', allowedAddresses: [CALLER.address], channels: 8, basicNumber: CALLER.number },
            { sipId: CALLEE.sipId, password: CALLEE.password, auth: 'digest', channels: 8, basicNumber: CALLEE.number },
            { sipId: OTHER_TRUNK.sipId, auth: 'ip', allowedAddresses: [OTHER_TRUNK.address], channels: 8, basicNumber: OTHER_TRUNK.number },
          ],
        },
      ],
    },
  ],
});
const node = stack.nodes[0]!;
const server = { port: node.port };

const carrier = await UdpSink.open('127.0.0.66');
const attacker = await RawSipClient.open('udp', server);
const callee = await RawSipClient.open('udp', server);
const caller = await RawSipClient.open('udp', server, CALLER.address);
t.teardown(() => {
  for (const c of [attacker, callee, caller]) c.close();
  carrier.close();
});

const registered = await new DigestUa(callee, { user: CALLEE.sipId, password: CALLEE.password, domain: DOMAIN }).register({
  contacts: [`<${callee.contactUri(CALLEE.sipId)}>`],
  expires: 600,
});
if (registered.status !== 200) throw new Error(`the callee did not register: ${registered.startLine}`);

/** Headers of a request inside a made-up dialog: any To-tag will do for an attacker. */
function fakeDialog(method: string, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [
    ['From', `<sip:attacker@${DOMAIN}>;tag=${randomToken()}`],
    ['To', `<sip:09012345678@${DOMAIN}>;tag=x`],
    ['Call-ID', `${randomToken()}@attacker`],
    ['CSeq', `1 ${method}`],
    ['Contact', `<${attacker.contactUri('attacker')}>`],
    ...extra,
  ];
}

/** The server's refusal log line for one request of the attacker. */
function refusalOf(method: string, port: number) {
  return node.waitForEvent('security.relay_refused', { where: (l) => l.method === method && l.port === port && l.address === '127.0.0.1' });
}

t.test('open relay by Request-URI: a fake in-dialog INVITE to the carrier without credentials is refused', async (t) => {
  const response = await attacker.request(attacker.buildRequest('INVITE', `sip:09012345678@${carrier.address}:${carrier.port}`, fakeDialog('INVITE')));
  t.equal(response.status, 403);
  const logged = await refusalOf('INVITE', attacker.localPort);
  t.match(logged, { level: 'warn', status: 403, reason: 'no signed route of ours' }, 'security.relay_refused names source, method and reason');
  await quietPeriod();
  t.equal(carrier.received.length, 0, 'the carrier received nothing');
});

t.test('open relay by Route: a fake in-dialog INVITE routed to the carrier is refused', async (t) => {
  const response = await attacker.request(
    attacker.buildRequest('INVITE', `sip:09012345678@${DOMAIN}`, fakeDialog('INVITE', [['Route', `<sip:${carrier.address}:${carrier.port};lr>`]])),
  );
  t.equal(response.status, 403);
  await quietPeriod();
  t.equal(carrier.received.length, 0, 'the carrier received nothing');
});

t.test('open relay with MESSAGE: refused by Request-URI and by Route', async (t) => {
  const byUri = await attacker.request(attacker.buildRequest('MESSAGE', `sip:09012345678@${carrier.address}:${carrier.port}`, fakeDialog('MESSAGE'), 'spam'));
  t.equal(byUri.status, 403);
  const byRoute = await attacker.request(
    attacker.buildRequest(
      'MESSAGE',
      `sip:09012345678@${carrier.address}:${carrier.port}`,
      fakeDialog('MESSAGE', [['Route', `<sip:${carrier.address}:${carrier.port};lr>`]]),
      'spam',
    ),
  );
  t.equal(byRoute.status, 403);
  await quietPeriod();
  t.equal(carrier.received.length, 0, 'the carrier received nothing');
});

t.test('a fake 2xx ACK to the carrier is dropped, not relayed', async (t) => {
  // A fresh source: refusals are logged once per source and interval.
  const acker = await RawSipClient.open('udp', server);
  t.teardown(() => acker.close());
  acker.sendRaw(
    acker.buildRequest('ACK', `sip:09012345678@${carrier.address}:${carrier.port}`, fakeDialog('ACK', [['Route', `<sip:127.0.0.1:${node.port};lr>`]])),
  );
  t.match(await refusalOf('ACK', acker.localPort), { reason: 'route not signed for this dialog' });
  await quietPeriod();
  t.equal(carrier.received.length, 0, 'the carrier received nothing');
});

t.test('one-packet loop: an in-dialog OPTIONS aimed at a peer that sends everything back is answered at once', async (t) => {
  const mirror = await UdpSink.open('127.0.0.67');
  t.teardown(() => mirror.close());
  // A misconfigured peer: every datagram goes straight back to the softswitch.
  mirror.onMessage = (_message, raw) => mirror.send(raw.toString('latin1'), node.port);
  const probe = await RawSipClient.open('udp', server);
  t.teardown(() => probe.close());
  const response = await probe.request(probe.buildRequest('OPTIONS', `sip:loop@${mirror.address}:${mirror.port}`, fakeDialog('OPTIONS')));
  t.equal(response.status, 403);
  await quietPeriod();
  t.equal(mirror.received.length, 0, 'nothing was sent into the loop');
  t.equal(probe.received.length, 1, 'the server sent one datagram in all: the 403');
});

t.test('one-packet loop: a Route naming the server itself (unsigned), then the server under another name', async (t) => {
  const probe = await RawSipClient.open('udp', server);
  t.teardown(() => probe.close());
  // "localhost" resolves to the server's own address without naming it: relayed, it comes straight back.
  const response = await probe.request(
    probe.buildRequest('OPTIONS', `sip:loop@localhost:${node.port}`, fakeDialog('OPTIONS', [['Route', `<sip:127.0.0.1:${node.port};lr>`]])),
  );
  t.equal(response.status, 403);
  await quietPeriod();
  t.equal(probe.received.length, 1, 'the server sent one datagram in all');
});

/** A real call from the trusted trunk to the registered line, answered; the caller's view of the dialog. */
interface Dialog {
  callId: string;
  callerTag: string;
  calleeTag: string;
  /** The Record-Route the caller got in the 200 (its route set). */
  routes: string[];
  calleeContact: string;
  cseq: number;
}

async function establishCall(): Promise<Dialog> {
  const callId = `${randomToken()}@trusted-pbx`;
  const callerTag = randomToken();
  const calleeTag = randomToken();
  const since = callee.received.length;
  caller.sendRaw(
    caller.buildRequest('INVITE', `sip:${CALLEE.number}@${DOMAIN}`, [
      ['From', `<sip:${CALLER.number}@${DOMAIN}>;tag=${callerTag}`],
      ['To', `<sip:${CALLEE.number}@${DOMAIN}>`],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      ['Contact', `<${caller.contactUri(CALLER.sipId)}>`],
    ]),
  );
  const offered = await callee.waitFor((m) => m.method === 'INVITE' && m.callId === callId, { since });
  const calleeContact = callee.contactUri(CALLEE.sipId);
  callee.sendRaw(callee.buildResponse(offered, 200, 'OK', { toTag: calleeTag, headers: [['Contact', `<${calleeContact}>`]] }));
  const ok = await caller.waitFor((m) => m.status === 200 && m.callId === callId);
  const routes = ok.list('record-route').reverse(); // a UAC's route set: Record-Route reversed (RFC 3261 §12.1.2)
  const ackSince = callee.received.length;
  caller.sendRaw(
    inDialog({ callId, callerTag, calleeTag, routes, calleeContact, cseq: 1 }, 'ACK', [['Proxy-Authorization', 'Digest username="pbx", response="0123"']]),
  );
  await callee.waitFor((m) => m.method === 'ACK' && m.callId === callId, { since: ackSince });
  return { callId, callerTag, calleeTag, routes, calleeContact, cseq: 1 };
}

/** A request from the caller inside `dialog`, by its route set. */
function inDialog(dialog: Dialog, method: string, extra: Array<[string, string]> = [], routes = dialog.routes, uri = dialog.calleeContact): string {
  const cseq = method === 'ACK' ? dialog.cseq : ++dialog.cseq;
  return caller.buildRequest(method, uri, [
    ['From', `<sip:${CALLER.number}@${DOMAIN}>;tag=${dialog.callerTag}`],
    ['To', `<sip:${CALLEE.number}@${DOMAIN}>;tag=${dialog.calleeTag}`],
    ['Call-ID', dialog.callId],
    ['CSeq', `${cseq} ${method}`],
    ...routes.map((r): [string, string] => ['Route', r]),
    ...extra,
  ]);
}

/** The callee answers the next `method` of the call with `status`. */
async function calleeAnswers(dialog: Dialog, method: string, since: number, status = 200): Promise<RawMessage> {
  const request = await callee.waitFor((m) => m.method === method && m.callId === dialog.callId, { since });
  callee.sendRaw(callee.buildResponse(request, status, 'OK'));
  return request;
}

t.test('a real dialog: ACK and BYE go through the signed Record-Route, credentials never reach the callee', async (t) => {
  const since = callee.received.length;
  const dialog = await establishCall();
  t.equal(dialog.routes.length, 1, 'one Record-Route');
  t.match(dialog.routes[0], new RegExp(`^<sip:127\\.0\\.0\\.1:${node.port};lr;rrhops=[A-Za-z0-9_-]+;rrsig=[A-Za-z0-9_-]{22}>$`), 'our Record-Route, signed');
  t.notOk(dialog.routes[0]!.includes(CALLER.address), "the dialog's hops are not in clear");
  const ack = callee.received.slice(since).find((m) => m.method === 'ACK' && m.callId === dialog.callId);
  t.equal(ack?.header('proxy-authorization'), undefined, 'the ACK arrived without Proxy-Authorization');
  t.equal(ack?.header('max-forwards'), '69', "the ACK's Max-Forwards went down by one");

  const byeSince = callee.received.length;
  caller.sendRaw(
    inDialog(dialog, 'BYE', [
      ['Authorization', 'Digest username="pbx", realm="x", nonce="n", uri="sip:x", response="00112233"'],
      ['Proxy-Authorization', 'Digest username="pbx", realm="test.example", nonce="n", uri="sip:x", response="44556677"'],
    ]),
  );
  const bye = await calleeAnswers(dialog, 'BYE', byeSince);
  t.equal(bye.header('authorization'), undefined, 'no Authorization on the relayed BYE');
  t.equal(bye.header('proxy-authorization'), undefined, 'no Proxy-Authorization on the relayed BYE');
  t.equal(bye.header('route'), undefined, 'our own Route entry was removed');
  t.equal(bye.header('max-forwards'), '69');
  const done = await caller.waitFor((m) => m.status === 200 && m.callId === dialog.callId && m.cseq.endsWith('BYE'));
  t.ok(done, "the caller got the callee's 200 to its BYE");
  t.notOk(node.output.includes('00112233') || node.output.includes('44556677'), 'the credentials are not in the log either');
});

t.test("a real dialog's route with its signature changed, or moved to another Call-ID: 403, the callee gets nothing", async (t) => {
  const dialog = await establishCall();
  const since = callee.received.length;
  const forged = dialog.routes.map((r) => r.replace(/rrsig=(.)/, (_m, c: string) => `rrsig=${c === 'A' ? 'B' : 'A'}`));
  const tampered = await caller.request(inDialog(dialog, 'BYE', [], forged));
  t.equal(tampered.status, 403, 'tampered signature');
  const otherCall = { ...dialog, callId: `${randomToken()}@elsewhere` };
  const moved = await caller.request(inDialog(otherCall, 'INVITE', [], dialog.routes, `sip:09012345678@${carrier.address}:${carrier.port}`));
  t.equal(moved.status, 403, 'a genuine signature on another Call-ID (an INVITE to the carrier)');
  await quietPeriod();
  t.equal(callee.received.slice(since).filter((m) => m.callId === dialog.callId).length, 0, 'nothing reached the callee');
  t.equal(carrier.received.length, 0, 'nothing reached the carrier');
});

t.test('a real dialog: Max-Forwards 0 gets 483; a loop through a peer that routes it back gets 482 after one hop', async (t) => {
  const dialog = await establishCall();
  const since = callee.received.length;
  const exhausted = await caller.request(inDialog(dialog, 'OPTIONS').replace('Max-Forwards: 70', 'Max-Forwards: 0'));
  t.equal(exhausted.status, 483);
  await quietPeriod();
  t.equal(callee.received.slice(since).filter((m) => m.callId === dialog.callId).length, 0, 'not relayed');

  // A peer that proxies the request straight back to us along the same signed route.
  const peer = await UdpSink.open('127.0.0.68');
  t.teardown(() => peer.close());
  peer.onMessage = (message, raw) => {
    const text = raw.toString('latin1');
    const myVia = `Via: SIP/2.0/UDP ${peer.address}:${peer.port};branch=z9hG4bK-peer-${randomToken()}\r\n`;
    if (!message.isResponse) {
      const [start, ...rest] = text.split('\r\n');
      peer.send([start, myVia.trimEnd(), ...dialog.routes.map((r) => `Route: ${r}`), ...rest].join('\r\n'), node.port);
    } else {
      peer.send(text.replace(/^Via: [^\r]*\r\n/m, ''), node.port); // its own Via off, back to us
    }
  };
  const looped = await caller.request(inDialog(dialog, 'OPTIONS', [], dialog.routes, `sip:loop@${peer.address}:${peer.port}`), 5000);
  t.equal(looped.status, 482, 'the caller gets 482 Loop Detected');
  await quietPeriod();
  const requestsToPeer = peer.received.filter((m) => !m.isResponse).length;
  t.ok(requestsToPeer >= 1 && requestsToPeer <= 2, `bounded: the peer got ${requestsToPeer} request(s)`);
});

t.test('responses go to the real source: a client-supplied received= is ignored', async (t) => {
  const client = await RawSipClient.open('udp', server);
  const victim = await UdpSink.open('127.0.0.77', client.localPort);
  t.teardown(() => {
    client.close();
    victim.close();
  });
  const callId = `${randomToken()}@reflect`;
  const options = [
    `OPTIONS sip:${DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${client.localPort};branch=z9hG4bK-${randomToken()};received=127.0.0.77`,
    'Max-Forwards: 70',
    `From: <sip:probe@${DOMAIN}>;tag=${randomToken()}`,
    `To: <sip:${DOMAIN}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 OPTIONS',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const response = await client.request(options);
  t.equal(response.status, 200, 'the answer came back to the socket that sent the request');
  await quietPeriod();
  t.equal(victim.received.length, 0, 'the address named in received= got nothing');
});

t.test('a stray 200 whose top Via names the softswitch is not relayed to the next Via', async (t) => {
  const victim = await UdpSink.open('127.0.0.78');
  t.teardown(() => victim.close());
  const callId = `${randomToken()}@stray`;
  const stray = [
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/UDP 127.0.0.1:${node.port};branch=z9hG4bK${randomToken()}.1.${randomToken(16)}`,
    `Via: SIP/2.0/UDP ${victim.address}:${victim.port};branch=z9hG4bK-victim`,
    `From: <sip:a@${DOMAIN}>;tag=1`,
    `To: <sip:b@${DOMAIN}>;tag=2`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  attacker.sendRaw(stray);
  const dropped = await node.waitForEvent('security.response_dropped', { where: (l) => l.callId === callId });
  t.match(dropped, { address: '127.0.0.1', port: attacker.localPort, status: 200, reason: 'branch not signed for this upstream' });
  await quietPeriod();
  t.equal(victim.received.length, 0, 'the victim got nothing');
});

t.test("a callee's 200 copy with a forged second Via still goes to the caller, not to the Via it names", async (t) => {
  const victim = await UdpSink.open('127.0.0.79');
  t.teardown(() => victim.close());
  const since = callee.received.length;
  const dialog = await establishCall();
  const offered = callee.received.slice(since).find((m) => m.method === 'INVITE' && m.callId === dialog.callId)!;
  const vias = offered.all('via');
  const forged = callee
    .buildResponse(offered, 200, 'OK', { toTag: dialog.calleeTag, headers: [['Contact', `<${dialog.calleeContact}>`]] })
    .replace(vias[1]!, `SIP/2.0/UDP ${victim.address}:${victim.port};branch=z9hG4bK-victim`);
  const copies = caller.received.length;
  callee.sendRaw(forged);
  await caller.waitFor((m) => m.status === 200 && m.callId === dialog.callId, { since: copies });
  await quietPeriod();
  t.equal(victim.received.length, 0, 'the victim got nothing');
});

t.test("a genuine dialog's route does not reach a trusted trunk outside it; the dialog's own ends still do", async (t) => {
  const dialog = await establishCall();
  // The other trunk trusts our address; a raw socket on its address plays it.
  const otherTrunk = await UdpSink.open(OTHER_TRUNK.address);
  t.teardown(() => otherTrunk.close());
  /** A request from the callee (the digest customer) inside the dialog, by its route set. */
  const fromCallee = (method: string, uri: string): string =>
    callee.buildRequest(
      method,
      uri,
      [
        ['From', `<sip:${CALLEE.number}@${DOMAIN}>;tag=${dialog.calleeTag}`],
        ['To', `<sip:${CALLER.number}@${DOMAIN}>;tag=${dialog.callerTag}`],
        ['Call-ID', dialog.callId],
        ['CSeq', `${++dialog.cseq} ${method}`],
        ...dialog.routes.map((r): [string, string] => ['Route', r]),
        ['Content-Type', 'text/plain'],
      ],
      method === 'MESSAGE' ? 'hello' : '',
    );
  const outside = `sip:0901234@${otherTrunk.address}:${otherTrunk.port}`;

  const byCallee = await callee.request(fromCallee('MESSAGE', outside));
  t.equal(byCallee.status, 403, "the callee's MESSAGE to the other trunk");
  const refused = await node.waitForEvent('security.relay_refused', { where: (l) => l.callId === dialog.callId && l.method === 'MESSAGE' });
  t.match(refused, { reason: 'next hop outside the dialog', address: '127.0.0.1', port: callee.localPort });
  const byCaller = await caller.request(inDialog(dialog, 'INVITE', [], dialog.routes, outside));
  t.equal(byCaller.status, 403, "the caller's re-INVITE to the other trunk");
  caller.sendRaw(inDialog(dialog, 'ACK', [], dialog.routes, outside));
  await quietPeriod();
  t.equal(otherTrunk.received.length, 0, 'the other trunk got nothing');

  // The dialog's trusted end (the caller's trunk) is one of its signed hops: still reached.
  const callerSince = caller.received.length;
  callee.sendRaw(fromCallee('MESSAGE', caller.contactUri(CALLER.sipId)));
  const delivered = await caller.waitFor((m) => m.method === 'MESSAGE' && m.callId === dialog.callId, { since: callerSince });
  t.equal(delivered.body, 'hello', "the callee's MESSAGE reached the caller's trunk");
  caller.sendRaw(caller.buildResponse(delivered, 200, 'OK'));
  const answered = await callee.waitFor((m) => m.status === 200 && m.callId === dialog.callId && m.cseq.endsWith('MESSAGE'));
  t.ok(answered, "the trunk's 200 came back");
  // And the caller's BYE to the callee (an untrusted phone) goes as before.
  const byeSince = callee.received.length;
  caller.sendRaw(inDialog(dialog, 'BYE'));
  await calleeAnswers(dialog, 'BYE', byeSince);
  t.ok(await caller.waitFor((m) => m.status === 200 && m.callId === dialog.callId && m.cseq.endsWith('BYE')), 'BYE answered');
});

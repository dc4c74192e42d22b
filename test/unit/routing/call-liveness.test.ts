import { Writable } from 'node:stream';
import t from 'tap';
import { parseMessage, type SipRequest, type SipResponse } from '../../../src/core/messages/index.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import type { ClientTransactionUser } from '../../../src/core/transactions/client-transaction.js';
import type { Destination } from '../../../src/core/transport/transport.js';
import { createLogger } from '../../../src/log.js';
import { LocalIdentity } from '../../../src/proxy/record-route.js';
import { CallLiveness, type CallLivenessDeps } from '../../../src/routing/call-liveness.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * CallLiveness over a fake clock and a fake sender: the requests of its own
 * it sends inside a call (BYE, OPTIONS), to whom, with what dialog headers,
 * and when it reports the call over.
 */
const ME = '192.0.2.10:5060';
const identity = new LocalIdentity(new Map([['UDP', { host: '192.0.2.10', port: 5060 }]]), [], 'ss.test');
const CALLER = { transport: 'UDP' as const, address: '10.0.0.1', port: 5070, localAddress: '192.0.2.10', localPort: 5060 };
const CALLEE: Destination = { transport: 'UDP', address: '10.0.0.2', port: 5080 };

/** A message from its lines (a Via added when there is none: the parser requires one). */
function message<T>(lines: string[]): T {
  const [first, ...rest] = lines;
  const via = rest.some((l) => l.startsWith('Via:')) ? [] : ['Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-x'];
  const more = rest.some((l) => l.startsWith('From:')) ? [] : ['From: <sip:a@x>;tag=f', 'To: <sip:b@x>;tag=t', 'Call-ID: live-1'];
  return parseMessage(Buffer.from([first, ...via, ...more, ...rest, 'Content-Length: 0', '', ''].join('\r\n'))) as T;
}

const received = message<SipRequest>([
  'INVITE sip:0312340002@ss.test SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-c1',
  'From: "Alice" <sip:0312340001@ss.test>;tag=caller-tag',
  'To: <sip:0312340002@ss.test>',
  'Call-ID: live-1',
  'CSeq: 7 INVITE',
  'Contact: <sip:alice@10.0.0.1:5070>',
]);
const forwarded = message<SipRequest>([
  'INVITE sip:0312340002@10.0.0.2:5080 SIP/2.0',
  `Via: SIP/2.0/UDP ${ME};branch=z9hG4bK-p1`,
  'From: <sip:0312340001@ss.test>;tag=caller-tag',
  'To: <sip:0312340002@ss.test>',
  'Call-ID: live-1',
  'CSeq: 7 INVITE',
]);
const ok = (sessionExpires?: string) =>
  message<SipResponse>([
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/UDP ${ME};branch=z9hG4bK-p1`,
    'Record-Route: <sip:edge.carrier.test;lr>',
    `Record-Route: <sip:${ME};lr;rrsig=x>`,
    'From: <sip:0312340001@ss.test>;tag=caller-tag',
    'To: <sip:0312340002@ss.test>;tag=callee-tag',
    'Call-ID: live-1',
    'CSeq: 7 INVITE',
    'Contact: <sip:bob@10.0.0.2:5080>',
    ...(sessionExpires ? [`Session-Expires: ${sessionExpires}`] : []),
  ]);
const incoming = (message: SipRequest) => ({ callId: 'live-1', message, source: CALLER }) as unknown as IncomingRequest;
const target = { uri: 'sip:0312340002@10.0.0.2:5080', destination: CALLEE, label: 'bob' };

function setup(otherWorkers?: CallLivenessDeps['otherWorkers'], clock = new FakeClock()) {
  const sent: Array<{ request: SipRequest; destination: Destination; user: ClientTransactionUser }> = [];
  const ended: Array<[string, string]> = [];
  const log = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
  const liveness = new CallLiveness({
    settings: { probeIntervalMs: 60_000, probeFailures: 2, maxDurationMs: 3_600_000 },
    identity,
    send: (request, _branch, destination, user) => sent.push({ request, destination, user }),
    onEnd: (callId, reason) => ended.push([callId, reason]),
    log,
    clock,
    ...(otherWorkers ? { otherWorkers } : {}),
  });
  return { clock, sent, ended, liveness };
}

t.test('an expired session: a BYE to each end, as the other end would send it, then the call is reported over', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  t.equal(s.liveness.watched, 1);
  s.clock.advance(59_999);
  t.equal(s.sent.length, 0, 'nothing before the expiry less the margin');
  s.clock.advance(1);
  t.same(s.ended, [['live-1', 'session expired']]);
  t.equal(s.liveness.watched, 0);
  const caller = s.sent.find((m) => m.destination.address === CALLER.address);
  const callee = s.sent.find((m) => m.destination === CALLEE);
  t.ok(caller && callee, 'one to each end');
  t.equal(callee!.request.method, 'BYE');
  t.equal(callee!.request.uri, 'sip:bob@10.0.0.2:5080', "the callee's Contact");
  t.same(callee!.request.headers.getAll('route'), ['<sip:edge.carrier.test;lr>'], 'the route beyond us, towards the callee');
  t.equal(callee!.request.headers.get('from'), '<sip:0312340001@ss.test>;tag=caller-tag', 'From: the caller as the callee knows it');
  t.equal(callee!.request.headers.get('to'), '<sip:0312340002@ss.test>;tag=callee-tag');
  t.equal(callee!.request.headers.get('cseq'), '8 BYE', "after the caller's CSeq");
  t.match(callee!.request.headers.get('reason'), /text="session expired"/);
  t.equal(caller!.request.uri, 'sip:alice@10.0.0.1:5070', "the caller's Contact, at the address it called from");
  t.same(caller!.request.headers.getAll('route'), [], 'no proxy on the caller side');
  t.equal(caller!.request.headers.get('from'), '<sip:0312340002@ss.test>;tag=callee-tag', 'From: the callee');
  t.equal(caller!.request.headers.get('to'), '"Alice" <sip:0312340001@ss.test>;tag=caller-tag', "To: the caller's own From");
  t.match(caller!.request.headers.get('via'), new RegExp(`^SIP/2.0/UDP ${ME};branch=z9hG4bK-`), 'our Via');
});

t.test('a refresh passing through (a 2xx to a re-INVITE) keeps the call up; a BYE through us ends the watch quietly', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  s.clock.advance(45_000);
  const reinvite = message<SipRequest>([
    'INVITE sip:bob@10.0.0.2:5080 SIP/2.0',
    'From: <sip:0312340001@ss.test>;tag=caller-tag',
    'To: <sip:0312340002@ss.test>;tag=callee-tag',
    'Call-ID: live-1',
    'CSeq: 9 INVITE',
  ]);
  s.liveness.request(reinvite);
  s.liveness.answer({ incoming: incoming(reinvite), forwarded: reinvite, response: ok('90'), target, sessionSeconds: 90 });
  s.clock.advance(30_000);
  t.same(s.ended, [], 'still up past the first expiry');
  const bye = message<SipRequest>([
    'BYE sip:bob@10.0.0.2:5080 SIP/2.0',
    'From: <sip:a@x>;tag=caller-tag',
    'To: <sip:b@x>;tag=callee-tag',
    'Call-ID: live-1',
    'CSeq: 10 BYE',
  ]);
  s.liveness.request(bye);
  s.clock.advance(3_600_000);
  t.same(s.ended, [], 'nothing more after its BYE');
  t.same(s.sent, [], 'no request of ours');
});

t.test('the CSeq of requests passing through moves our BYE on', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  const fromCallee = message<SipRequest>([
    'UPDATE sip:alice@10.0.0.1:5070 SIP/2.0',
    'From: <sip:b@x>;tag=callee-tag',
    'To: <sip:a@x>;tag=caller-tag',
    'Call-ID: live-1',
    'CSeq: 41 UPDATE',
  ]);
  s.liveness.request(fromCallee);
  s.clock.advance(60_000);
  t.equal(s.sent.find((m) => m.destination.address === CALLER.address)!.request.headers.get('cseq'), '42 BYE');
  t.equal(s.sent.find((m) => m.destination === CALLEE)!.request.headers.get('cseq'), '8 BYE');
});

t.test('workers: a callee refresh hashed to another worker keeps the call the first worker watches alive, and moves its BYE CSeq', async (t) => {
  const clock = new FakeClock();
  const told: unknown[] = [];
  const watching = setup(undefined, clock);
  // The other worker tells the watching one (app.ts broadcasts a call-refreshed notice; the watching worker calls seenElsewhere).
  const other = setup({ inDialog: (seen) => (told.push(seen), watching.liveness.seenElsewhere(seen)) }, clock);
  watching.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  clock.advance(45_000);
  const update = message<SipRequest>([
    'UPDATE sip:alice@10.0.0.1:5070 SIP/2.0',
    'From: <sip:0312340002@ss.test>;tag=callee-tag',
    'To: <sip:0312340001@ss.test>;tag=caller-tag',
    'Call-ID: live-1',
    'CSeq: 30 UPDATE',
  ]);
  other.liveness.request(update);
  other.liveness.answer({ incoming: incoming(update), forwarded: update, response: ok('90'), target, sessionSeconds: 90 });
  t.same(told, [
    { callId: 'live-1', fromTag: 'callee-tag', cseq: 30, refreshed: false },
    { callId: 'live-1', fromTag: 'callee-tag', cseq: 30, refreshed: true, sessionSeconds: 90 },
  ]);
  t.equal(other.liveness.watched, 0, 'the other worker does not start a watch of its own');
  clock.advance(30_000);
  t.same(watching.ended, [], 'still up past the first expiry');
  clock.advance(30_000);
  t.same(watching.ended, [['live-1', 'session expired']], 'the refreshed interval runs out in turn');
  t.equal(watching.sent.find((m) => m.destination.address === CALLER.address)!.request.headers.get('cseq'), '31 BYE', "after the callee's CSeq");
  t.same(other.ended, []);
});

t.test('no session timer: OPTIONS to both ends (CSeq not moved on); answers keep the call, silence ends it as peer gone', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok(), target });
  s.clock.advance(60_000);
  t.same(
    s.sent.map((m) => [m.request.method, m.request.headers.get('cseq')]),
    [
      ['OPTIONS', '1 OPTIONS'],
      ['OPTIONS', '7 OPTIONS'],
    ],
    'one probe each; the callee with the CSeq it has seen',
  );
  for (const m of s.sent) m.user.onResponse(message<SipResponse>(['SIP/2.0 200 OK', 'CSeq: 1 OPTIONS']));
  s.sent.length = 0;
  s.clock.advance(60_000);
  s.sent.find((m) => m.destination.address === CALLER.address)!.user.onResponse(message<SipResponse>(['SIP/2.0 200 OK', 'CSeq: 1 OPTIONS']));
  s.clock.advance(60_000);
  t.same(s.ended, [], 'one silent probe of the callee: not yet');
  s.clock.advance(60_000);
  t.same(s.ended, [['live-1', 'peer gone: the callee did not answer OPTIONS']]);
  t.same(
    s.sent.slice(-2).map((m) => m.request.method),
    ['BYE', 'BYE'],
    'then a BYE to each end',
  );
});

t.test('481 to a probe ends the call at once', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok(), target });
  s.clock.advance(60_000);
  s.sent[0]!.user.onResponse(message<SipResponse>(['SIP/2.0 481 Call/Transaction Does Not Exist', 'CSeq: 1 OPTIONS']));
  t.same(s.ended, [['live-1', 'peer gone: the caller answered 481 to OPTIONS']]);
  t.equal(s.liveness.watched, 0);
});

t.test('a copy of the 2xx does not start a second watch; a call with no Contact is not watched', async (t) => {
  const s = setup();
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  s.liveness.answer({ incoming: incoming(received), forwarded, response: ok('90'), target, sessionSeconds: 90 });
  t.equal(s.liveness.watched, 1);
  s.liveness.stop();
  const noContact = message<SipRequest>(['INVITE sip:x@ss.test SIP/2.0', 'From: <sip:a@x>;tag=t2', 'To: <sip:b@x>', 'Call-ID: live-2', 'CSeq: 1 INVITE']);
  s.liveness.answer({ incoming: { ...incoming(noContact), callId: 'live-2' } as IncomingRequest, forwarded, response: ok(), target });
  t.equal(s.liveness.watched, 0);
});

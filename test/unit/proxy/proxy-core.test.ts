import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { createResponse, type SipRequest, type SipResponse } from '../../../src/core/messages/index.js';
import { SipServer } from '../../../src/core/server/sip-server.js';
import { createLogger } from '../../../src/log.js';
import { ProxyCore, type RelayOptions, type RelayOutcome, type RelayTarget } from '../../../src/proxy/proxy-core.js';
import { LocalIdentity } from '../../../src/proxy/record-route.js';
import { ProxySigner } from '../../../src/proxy/signing.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports } from '../../helpers/fake-transport.js';

/**
 * The proxy's serial forking (RFC 3261 §16) over a fake transport and a fake
 * clock: provisional relay, CANCEL before and after a provisional, the ring
 * and silence timers, and the choice of the best response.
 */
const CALLER = { address: '10.0.0.1', port: 5060 };
const target = (label: string, address: string): RelayTarget => ({
  uri: `sip:${label}@${address}`,
  destination: { transport: 'UDP', address, port: 5060 },
  label,
});
const A = target('a', '10.0.0.2');
const B = target('b', '10.0.0.3');
const C = target('c', '10.0.0.4');

const INVITE = [
  'INVITE sip:bob@ss.test SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-caller;rport',
  'Max-Forwards: 70',
  'From: <sip:alice@ss.test>;tag=a1',
  'To: <sip:bob@ss.test>',
  'Call-ID: proxy-1',
  'CSeq: 1 INVITE',
  'Contact: <sip:alice@10.0.0.1>',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');
const CANCEL = INVITE.replace('INVITE sip:', 'CANCEL sip:').replace('CSeq: 1 INVITE', 'CSeq: 1 CANCEL');

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

function setup(targets: RelayTarget[], options: RelayOptions = {}) {
  const { factory, made } = fakeTransports();
  const log = createLogger(
    'info',
    new Writable({
      write(_c, _e, done) {
        done();
      },
    }),
  );
  const clock = new FakeClock();
  const sip = new SipServer({ listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }], log, clock, transportFactory: factory });
  const identity = new LocalIdentity(new Map([['UDP', { host: '127.0.0.1', port: 5090 }]]), [], 'ss.test');
  const proxy = new ProxyCore(sip, identity, new ProxySigner(Buffer.alloc(32, 7)), log, async () => false, clock);
  const outcomes: RelayOutcome[] = [];
  /** Each INVITE the proxy took, held weakly: for what stays in memory after the call is set up. */
  const invites: Array<WeakRef<SipRequest>> = [];
  sip.invite(async (incoming) => {
    invites.push(new WeakRef(incoming.message));
    const outcome = await proxy.relay(incoming, targets, options);
    outcomes.push(outcome);
    // As call routing does: a failure's best response goes upstream.
    if (!incoming.answered && outcome.kind !== 'answered') incoming.respond(outcome.response?.status ?? 480);
  });
  t.teardown(() => sip.close());
  const transport = made[0]!;
  /** Requests of `method` sent to a target. */
  const sentTo = (to: RelayTarget, method = 'INVITE'): SipRequest[] =>
    transport.sent
      .filter((s) => s.to.address === to.destination.address && 'method' in s.message && s.message.method === method)
      .map((s) => s.message as SipRequest);
  /** What the caller got, as [status, CSeq method]. */
  const upstream = (): Array<[number, string]> =>
    transport.sent
      .filter((s) => s.to.address === CALLER.address && 'status' in s.message)
      .map((s) => [(s.message as SipResponse).status, (s.message as SipResponse).cseq()?.method ?? '']);
  /** The callee at `from` answers the last request it got. */
  const answer = (from: RelayTarget, status: number, method = 'INVITE'): void => {
    const request = sentTo(from, method).at(-1);
    if (!request) throw new Error(`no ${method} reached ${from.label}`);
    transport.deliver(createResponse(request, status), { address: from.destination.address, port: 5060 });
  };
  const call = () => transport.deliver(INVITE, CALLER);
  const cancel = () => transport.deliver(CANCEL, CALLER);
  return { clock, transport, outcomes, invites, sentTo, upstream, answer, call, cancel };
}

t.test('serial forking: each target in turn after the last one failed; the best response goes upstream', async (t) => {
  const s = setup([A, B, C]);
  s.call();
  t.equal(s.sentTo(A).length, 1);
  t.equal(s.sentTo(B).length, 0, 'one target at a time');
  s.answer(A, 486);
  await flush();
  t.equal(s.sentTo(A, 'ACK').length, 1, 'the failure is ACKed hop by hop');
  t.equal(s.sentTo(B).length, 1, 'then B');
  s.answer(B, 404);
  await flush();
  s.answer(C, 503);
  await flush();
  t.match(s.outcomes, [{ kind: 'failed', silent: false, ringTimeout: false, target: { label: 'c' } }]);
  t.equal(s.outcomes[0]!.kind === 'failed' ? s.outcomes[0]!.response?.status : 0, 404, 'lowest class wins; 503 ranks after any 4xx/5xx');
  t.same(s.upstream(), [
    [100, 'INVITE'],
    [404, 'INVITE'],
  ]);
});

t.test('a 6xx ends the search: the next target is not tried', async (t) => {
  const s = setup([A, B]);
  s.call();
  s.answer(A, 603);
  await flush();
  t.equal(s.sentTo(B).length, 0);
  t.same(s.upstream().at(-1), [603, 'INVITE']);
});

t.test('provisionals are relayed upstream (not 100), then the 2xx and each copy of it', async (t) => {
  const s = setup([A, B]);
  s.call();
  s.answer(A, 100);
  s.answer(A, 180);
  s.answer(A, 183);
  s.answer(A, 200);
  await flush();
  t.match(s.outcomes, [{ kind: 'answered', target: { label: 'a' }, response: { status: 200 } }]);
  s.answer(A, 200);
  t.same(
    s.upstream(),
    [
      [100, 'INVITE'],
      [180, 'INVITE'],
      [183, 'INVITE'],
      [200, 'INVITE'],
      [200, 'INVITE'],
    ],
    "the core's own 100 only; the callee's 100 stays here",
  );
  const relayed = s.transport.sent.filter((x) => x.to.address === CALLER.address && 'status' in x.message && x.message.status === 180)[0]!.message;
  t.same(
    relayed.headers.getAll('via'),
    ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-caller;rport=5060;received=10.0.0.1'],
    "our Via removed, the caller's as we stamped it",
  );
  t.equal(s.sentTo(B).length, 0);
});

t.test('CANCEL after a provisional: CANCEL goes down at once on the same branch; the 487 ends the relay', async (t) => {
  const s = setup([A, B]);
  s.call();
  s.answer(A, 180);
  s.cancel();
  t.same(s.upstream(), [
    [100, 'INVITE'],
    [180, 'INVITE'],
    [200, 'CANCEL'],
  ]);
  const [invite] = s.sentTo(A);
  const [cancel] = s.sentTo(A, 'CANCEL');
  t.ok(cancel, 'CANCEL sent to A');
  t.equal(cancel!.topVia()?.params.branch, invite!.topVia()?.params.branch, 'same branch as the INVITE (§9.1)');
  s.answer(A, 487);
  await flush();
  t.match(s.outcomes, [{ kind: 'cancelled', response: { status: 487 } }]);
  t.equal(s.sentTo(B).length, 0, 'nobody else rings');
  t.same(s.upstream().at(-1), [487, 'INVITE']);
});

t.test('CANCEL before any provisional waits for one (§9.1), and that provisional is not relayed', async (t) => {
  const s = setup([A, B]);
  s.call();
  s.cancel();
  t.equal(s.sentTo(A, 'CANCEL').length, 0, 'nothing to cancel downstream yet');
  s.answer(A, 180);
  t.equal(s.sentTo(A, 'CANCEL').length, 1, 'sent as soon as A answers provisionally');
  s.answer(A, 180);
  t.equal(s.sentTo(A, 'CANCEL').length, 1, 'once');
  t.same(
    s.upstream(),
    [
      [100, 'INVITE'],
      [200, 'CANCEL'],
    ],
    'the caller hears no ringing after cancelling',
  );
  s.answer(A, 487);
  await flush();
  t.match(s.outcomes, [{ kind: 'cancelled' }]);
});

t.test('ring timeout: a ringing branch is CANCELled after ringTimeoutMs and the next target tried', async (t) => {
  const s = setup([A, B], { ringTimeoutMs: 10_000 });
  s.call();
  s.answer(A, 180);
  s.clock.advance(9_999);
  t.equal(s.sentTo(A, 'CANCEL').length, 0);
  s.clock.advance(1);
  t.equal(s.sentTo(A, 'CANCEL').length, 1, 'CANCEL at the ring timeout');
  s.answer(A, 180);
  t.equal(s.upstream().filter(([status]) => status === 180).length, 1, 'no more ringing relayed from a timed-out branch');
  s.answer(A, 487);
  await flush();
  t.equal(s.sentTo(B).length, 1, 'B is tried');
  s.answer(B, 486);
  await flush();
  t.match(s.outcomes, [{ kind: 'failed', ringTimeout: true, silent: false }]);
  t.equal(s.outcomes[0]!.kind === 'failed' ? s.outcomes[0]!.response?.status : 0, 486, '486 ranks before 487');
});

t.test('silence timeout: a target that sends nothing for 2 s is given up and its retransmissions stop', async (t) => {
  const s = setup([A, B]);
  s.call();
  s.clock.advance(1_999);
  t.equal(s.sentTo(B).length, 0);
  s.clock.advance(1);
  await flush();
  t.equal(s.sentTo(B).length, 1, 'B after 2 s of silence from A');
  const toA = s.sentTo(A).length;
  t.equal(toA, 3, 'A got the INVITE and two Timer A copies (0, 0.5 s, 1.5 s)');
  s.clock.advance(2_000);
  await flush();
  t.equal(s.sentTo(A).length, toA, 'no more to A');
  t.match(s.outcomes, [{ kind: 'failed', silent: true }]);
  t.equal(s.outcomes[0]!.kind === 'failed' ? s.outcomes[0]!.response : 'x', undefined, 'no response to pass on');
  t.same(s.upstream().at(-1), [480, 'INVITE']);
});

t.test('no silence timeout once a 100 came: the branch may ring for as long as it likes', async (t) => {
  const s = setup([A, B], { noResponseTimeoutMs: 1_000 });
  s.call();
  s.answer(A, 100);
  s.clock.advance(20_000);
  await flush();
  t.equal(s.sentTo(B).length, 0);
  t.same(s.outcomes, []);
});

t.test("responses reach the caller with the caller's own From and To (plus the callee's tag), whatever the callee was shown", async (t) => {
  const s = setup([A], {
    prepare: (request) => request.headers.set('From', '"Presented" <sip:0312345678@ss.test;user=phone>;tag=a1'),
  });
  s.call();
  const forwarded = s.sentTo(A)[0]!;
  t.equal(forwarded.headers.get('from'), '"Presented" <sip:0312345678@ss.test;user=phone>;tag=a1', 'the callee sees the rewritten From');
  s.answer(A, 180);
  s.answer(A, 200);
  await flush();
  const responses = s.transport.sent.filter((m) => m.to.address === CALLER.address && 'status' in m.message).map((m) => m.message as SipResponse);
  const relayed = responses.filter((r) => r.status === 180 || r.status === 200);
  t.equal(relayed.length, 2);
  for (const r of relayed) {
    t.equal(r.headers.get('from'), '<sip:alice@ss.test>;tag=a1', `${r.status}: the caller's From`);
    t.match(r.headers.get('to'), /^<sip:bob@ss\.test>;tag=\S+$/, `${r.status}: the caller's To with the callee's tag`);
  }
});

t.test('an initial request loses the Route entries it came with: ours (RFC 3261 §16.4) and any other', async (t) => {
  const s = setup([A]);
  const routed = INVITE.replace('Max-Forwards: 70', 'Route: <sip:127.0.0.1:5090;lr>, <sip:10.9.9.9;lr>\r\nMax-Forwards: 70');
  s.transport.deliver(routed, CALLER);
  await flush();
  const forwarded = s.sentTo(A)[0];
  t.ok(forwarded, 'relayed to the target our routing chose');
  t.same(forwarded?.headers.getAll('route'), [], 'no Route left: the next hop cannot send it back to us, nor on to a host the caller named');
});

t.test("what waits 32 s for copies of a 2xx keeps none of the INVITE's text: its Vias, From and To are copies, not slices", async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = setup([A]);
  const heapAfterGc = (): number => {
    gc();
    return process.memoryUsage().heapUsed;
  };
  const calls = 100;
  const pad = 'x'.repeat(50_000);
  const base = heapAfterGc();
  for (let i = 0; i < calls; i++) {
    const invite = INVITE.replace('Call-ID: proxy-1', `Call-ID: mem-${i}`)
      .replace('branch=z9hG4bK-caller', `branch=z9hG4bK-m${i}`)
      .replace('Contact:', `X-Pad: ${pad}${i}\r\nContact:`);
    s.transport.deliver(invite, CALLER);
    await flush();
    s.answer(A, 200);
    await flush();
    s.transport.sent.length = 0; // the fake transport's record of what went out would keep them
  }
  t.equal(s.outcomes.filter((o) => o.kind === 'answered').length, calls, 'every call answered, each client transaction now waiting (Timer M)');
  s.outcomes.length = 0; // the test's own record of the outcomes would keep them too
  const grown = heapAfterGc() - base;
  t.ok(grown < 2_000_000, `the heap grew ${grown} bytes for ${calls} answered calls with 50 kB INVITEs (over 5,000,000 when slices keep the texts)`);
});

t.test("after the 2xx the caller's INVITE is let go while the client transaction waits 32 s for copies, and copies still reach the caller", async (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = setup([A]);
  s.call();
  s.answer(A, 180);
  s.answer(A, 200);
  await flush();
  t.match(s.outcomes, [{ kind: 'answered' }]);
  s.outcomes.length = 0;
  gc();
  await flush();
  t.equal(s.invites.length, 1);
  t.equal(s.invites[0]!.deref(), undefined, 'the INVITE as it came in is garbage: nothing of the relay holds it');
  s.clock.advance(31_000); // Timer M (32 s) still running
  s.answer(A, 200);
  const copies = s.transport.sent.filter((m) => m.to.address === CALLER.address && 'status' in m.message && m.message.status === 200);
  t.equal(copies.length, 2, 'the copy went up');
  const copy = copies[1]!.message;
  t.same(copy.headers.getAll('via'), ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-caller;rport=5060;received=10.0.0.1'], "by the caller's Vias");
  t.equal(copy.headers.get('from'), '<sip:alice@ss.test>;tag=a1', "with the caller's From");
  t.match(copy.headers.get('to'), /^<sip:bob@ss\.test>;tag=\S+$/, "and the caller's To with the callee's tag");
});

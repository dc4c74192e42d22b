import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { nextHopRefusal, routeInDialog } from '../../../src/proxy/dialog-guard.js';
import { encodeHops, LocalIdentity } from '../../../src/proxy/record-route.js';
import { ProxySigner } from '../../../src/proxy/signing.js';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const signer = new ProxySigner(SECRET);
const nodeA = new LocalIdentity(
  new Map([
    ['UDP', { host: '127.0.0.1', port: 5090 }],
    ['TCP', { host: '127.0.0.1', port: 5090 }],
  ]),
  [],
  'ss.test',
);
const nodeB = new LocalIdentity(new Map([['UDP', { host: '127.0.0.2', port: 5090 }]]), [], 'ss.test');

const CALL_ID = 'c1@caller';
const CALLER_TAG = 'caller-tag';
const CALLEE_TAG = 'callee-tag';
/** The dialog's two hops: the caller's trunk and the callee. */
const HOPS = ['127.0.0.5', '127.0.0.9'];
const HOPS_TOKEN = encodeHops(HOPS);

/** Our Record-Route as node A writes it when it forwards the INVITE. */
function recordRoute(identity = nodeA, callId = CALL_ID, tag = CALLER_TAG, using = signer, hops = HOPS_TOKEN): string {
  return identity.recordRoute('UDP', undefined, using.dialogSignature(callId, tag, '', hops), hops);
}

/** An in-dialog request from the caller (its tag in From) or the callee (the caller's tag in To). */
function request(opts: { uri?: string; routes?: string[]; fromCallee?: boolean; callId?: string } = {}): SipRequest {
  const caller = `<sip:0312340001@ss.test>;tag=${CALLER_TAG}`;
  const callee = `<sip:0312340002@ss.test>;tag=${CALLEE_TAG}`;
  const headers = new Headers([
    ['Via', 'SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-1'],
    ['From', opts.fromCallee ? callee : caller],
    ['To', opts.fromCallee ? caller : callee],
    ['Call-ID', opts.callId ?? CALL_ID],
    ['CSeq', '2 BYE'],
    ...(opts.routes ?? []).map((r): [string, string] => ['Route', r]),
  ]);
  return new SipRequest('BYE', opts.uri ?? 'sip:0312340002@127.0.0.9:5080', headers);
}

t.test('a signed Record-Route of ours: our entry removed, the rest of the route set followed', async (t) => {
  const rest = '<sip:127.0.0.7:5060;lr>';
  const decision = routeInDialog(request({ routes: [recordRoute(), rest] }), nodeA, signer);
  t.same(decision, { kind: 'forward', uri: 'sip:0312340002@127.0.0.9:5080', routes: [rest], hops: HOPS });
});

t.test("the dialog's hops are signed: another hop list, or none, is refused", async (t) => {
  const route = recordRoute();
  t.match(route, new RegExp(`;rrhops=${HOPS_TOKEN};rrsig=`), 'carried opaque in the route');
  t.notOk(route.includes('127.0.0.5'), 'no address in clear');
  const swapped = route.replace(HOPS_TOKEN, encodeHops(['127.0.0.5', '127.0.0.66']));
  t.same(
    routeInDialog(request({ routes: [swapped] }), nodeA, signer),
    { kind: 'refuse', status: 403, reason: 'route not signed for this dialog' },
    'a carrier put in',
  );
  const stripped = route.replace(`;rrhops=${HOPS_TOKEN}`, '');
  t.equal(routeInDialog(request({ routes: [stripped] }), nodeA, signer).kind, 'refuse', 'hops removed');
  const unbound = nodeA.recordRoute('UDP', undefined, signer.dialogSignature(CALL_ID, CALLER_TAG));
  t.match(
    routeInDialog(request({ routes: [unbound] }), nodeA, signer),
    { kind: 'forward', hops: [] },
    'a route signed without hops names no hop: no trusted one is reached',
  );
});

t.test('next hop rule: a trusted address only inside the dialog; untrusted ones anywhere', async (t) => {
  t.equal(nextHopRefusal('127.0.0.66', HOPS, true), 'next hop outside the dialog', 'trusted, outside: refused');
  t.equal(nextHopRefusal('127.0.0.5', HOPS, true), undefined, 'trusted, one of the two hops: allowed');
  t.equal(nextHopRefusal('127.0.0.9', HOPS, true), undefined, 'trusted, the other hop: allowed');
  t.equal(nextHopRefusal('::FFFF:7F00:5', ['::ffff:7f00:5'], true), undefined, 'compared without case');
  t.equal(nextHopRefusal('127.0.0.66', HOPS, false), undefined, "untrusted (a phone's Contact): allowed");
  t.equal(nextHopRefusal('127.0.0.5', [], true), 'next hop outside the dialog', 'no hops known: refused');
});

t.test("either direction: the caller's tag in From, or in To", async (t) => {
  t.equal(routeInDialog(request({ routes: [recordRoute()] }), nodeA, signer).kind, 'forward', 'from the caller');
  t.equal(routeInDialog(request({ routes: [recordRoute()], fromCallee: true }), nodeA, signer).kind, 'forward', 'from the callee');
});

t.test('any node with the same secret checks what another signed', async (t) => {
  const onB = nodeB.recordRoute('UDP', undefined, signer.dialogSignature(CALL_ID, CALLER_TAG));
  t.equal(routeInDialog(request({ routes: [onB] }), nodeB, new ProxySigner(Buffer.from(SECRET))).kind, 'forward');
});

t.test('refused: tampered Call-ID, tampered tag, wrong secret, no signature', async (t) => {
  const route = recordRoute();
  t.same(
    routeInDialog(request({ routes: [route], callId: 'other@caller' }), nodeA, signer),
    { kind: 'refuse', status: 403, reason: 'route not signed for this dialog' },
    'another Call-ID',
  );
  t.equal(
    routeInDialog(request({ routes: [recordRoute(nodeA, CALL_ID, 'forged-tag')] }), nodeA, signer).kind,
    'refuse',
    'signed for a tag the request does not carry',
  );
  const wrong = new ProxySigner(Buffer.from('another secret, another service!'));
  t.equal(routeInDialog(request({ routes: [recordRoute(nodeA, CALL_ID, CALLER_TAG, wrong)] }), nodeA, signer).kind, 'refuse', 'signed with another secret');
  t.equal(routeInDialog(request({ routes: ['<sip:127.0.0.1:5090;lr>'] }), nodeA, signer).kind, 'refuse', 'our address, unsigned');
  const flipped = route.replace(/rrsig=(.)/, (_m, c: string) => `rrsig=${c === 'A' ? 'B' : 'A'}`);
  t.equal(routeInDialog(request({ routes: [flipped] }), nodeA, signer).kind, 'refuse', 'one character of the signature changed');
});

t.test('refused: a request that only names a host (the open-relay attack)', async (t) => {
  t.same(
    routeInDialog(request({ uri: 'sip:09012345678@127.0.0.66' }), nodeA, signer),
    { kind: 'refuse', status: 403, reason: 'no signed route of ours' },
    'by Request-URI',
  );
  t.same(
    routeInDialog(request({ routes: ['<sip:127.0.0.66;lr>'] }), nodeA, signer),
    { kind: 'refuse', status: 403, reason: 'top route is not ours' },
    'by Route',
  );
  t.equal(routeInDialog(request({ routes: ['<sip:127.0.0.66;lr>', recordRoute()] }), nodeA, signer).kind, 'refuse', 'our signed entry below a foreign one');
  const onB = nodeB.recordRoute('UDP', undefined, signer.dialogSignature(CALL_ID, CALLER_TAG));
  t.equal(routeInDialog(request({ routes: [onB] }), nodeA, signer).kind, 'refuse', 'a signed entry naming another host is not ours to follow');
});

t.test('addressed to us with no route set: 481; a route set leading back to us: 481', async (t) => {
  t.same(routeInDialog(request({ uri: 'sip:0312340002@ss.test' }), nodeA, signer), { kind: 'refuse', status: 481, reason: 'no such dialog' });
  t.equal(routeInDialog(request({ uri: 'sip:x@127.0.0.1:5090' }), nodeA, signer).kind, 'refuse');
  t.same(routeInDialog(request({ uri: 'sip:x@127.0.0.1:5090', routes: [recordRoute()] }), nodeA, signer), {
    kind: 'refuse',
    status: 481,
    reason: 'route set leads back to us',
  });
});

t.test('every one of our entries must be signed (double Record-Route on a transport change)', async (t) => {
  const tcp = nodeA.recordRoute('TCP', undefined, signer.dialogSignature(CALL_ID, CALLER_TAG, '', HOPS_TOKEN), HOPS_TOKEN);
  t.equal(routeInDialog(request({ routes: [recordRoute(), tcp] }), nodeA, signer).kind, 'forward');
  t.equal(routeInDialog(request({ routes: [recordRoute(), '<sip:127.0.0.1:5090;transport=tcp;lr>'] }), nodeA, signer).kind, 'refuse', 'second entry unsigned');
});

t.test('flow token: signed with the route, cannot be swapped for another connection', async (t) => {
  const ws = new LocalIdentity(
    new Map([
      ['UDP', { host: '127.0.0.1', port: 5090 }],
      ['WS', { host: '127.0.0.1', port: 8088 }],
    ]),
    [],
    'ss.test',
  );
  const token = 'ws-0a1b-7.bm9kZS1h';
  const flowRoute = ws.recordRoute('WS', token, signer.dialogSignature(CALL_ID, CALLER_TAG, token));
  const udpRoute = ws.recordRoute('UDP', undefined, signer.dialogSignature(CALL_ID, CALLER_TAG));
  const decision = routeInDialog(request({ routes: [udpRoute, flowRoute], fromCallee: true }), ws, signer);
  t.same(decision, { kind: 'forward', uri: 'sip:0312340002@127.0.0.9:5080', routes: [], hops: [], flow: token });
  const swapped = flowRoute.replace('ws-0a1b-7.', 'ws-0a1b-8.');
  t.equal(routeInDialog(request({ routes: [udpRoute, swapped], fromCallee: true }), ws, signer).kind, 'refuse');
});

t.test("two entries of ours: the last one names the far end's flow, whichever side sends", async (t) => {
  const callerFlow = 'udp.MTI3LjAuMC41.5167';
  const calleeFlow = 'tcp-0a1b-3.bm9kZS1h';
  const callerSide = nodeA.recordRoute('UDP', callerFlow, signer.dialogSignature(CALL_ID, CALLER_TAG, callerFlow));
  const calleeSide = nodeA.recordRoute('TCP', calleeFlow, signer.dialogSignature(CALL_ID, CALLER_TAG, calleeFlow));
  const fromCaller = routeInDialog(request({ routes: [callerSide, calleeSide] }), nodeA, signer);
  t.match(fromCaller, { kind: 'forward', flow: calleeFlow }, "the caller's request goes down the callee's connection");
  const fromCallee = routeInDialog(request({ routes: [calleeSide, callerSide], fromCallee: true }), nodeA, signer);
  t.match(fromCallee, { kind: 'forward', flow: callerFlow }, "the callee's request goes to the caller's NAT address");
  const noFlowLast = routeInDialog(request({ routes: [calleeSide, recordRoute(nodeA, CALL_ID, CALLER_TAG, signer, '')], fromCallee: true }), nodeA, signer);
  t.notOk(noFlowLast.kind === 'forward' && noFlowLast.flow, 'no flow recorded towards that end: its Contact (the Request-URI) is used');
});

t.test('strict router: our signed Record-Route in the Request-URI, the last Route is the target', async (t) => {
  const ours = recordRoute().replace(/^<|>$/g, '');
  const decision = routeInDialog(request({ uri: ours, routes: ['<sip:bob@127.0.0.9:5080>'] }), nodeA, signer);
  t.same(decision, { kind: 'forward', uri: 'sip:bob@127.0.0.9:5080', routes: [], hops: HOPS });
  t.equal(routeInDialog(request({ uri: 'sip:127.0.0.1:5090;lr', routes: ['<sip:bob@127.0.0.9:5080>'] }), nodeA, signer).kind, 'refuse', 'unsigned');
});

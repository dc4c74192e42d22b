import t from 'tap';
import { decodeHops, encodeHops, LocalIdentity } from '../../../src/proxy/record-route.js';
import { betterOf } from '../../../src/proxy/proxy-core.js';
import { SipResponse } from '../../../src/core/messages/index.js';

const identity = new LocalIdentity(
  new Map([
    ['UDP', { host: '127.0.0.1', port: 5090 }],
    ['TCP', { host: '127.0.0.1', port: 5090 }],
  ]),
  [],
  'ss.test',
);

t.test('Record-Route per transport, loose routing', async (t) => {
  t.equal(identity.recordRoute('UDP'), '<sip:127.0.0.1:5090;lr>');
  t.equal(identity.recordRoute('TCP'), '<sip:127.0.0.1:5090;transport=tcp;lr>');
});

t.test('recognises its own Route entries and domain', async (t) => {
  t.ok(identity.isMine('<sip:127.0.0.1:5090;lr>'));
  t.ok(identity.isMine('sip:127.0.0.1:5090;transport=tcp'));
  t.notOk(identity.isMine('<sip:127.0.0.1:5091;lr>'));
  t.notOk(identity.isMine('<sip:127.0.0.1;lr>'), 'default port 5060 is not ours here');
  t.ok(identity.isOurDomain('sip:0312345678@SS.test'));
  t.notOk(identity.isOurDomain('sip:0312345678@peer.example'));
});

t.test('best response: 6xx first, then the lowest class, 503 last', async (t) => {
  const r = (s: number) => new SipResponse(s, '');
  t.equal(betterOf(r(486), r(404)).status, 404);
  t.equal(betterOf(r(404), r(603)).status, 603);
  t.equal(betterOf(r(503), r(500)).status, 500);
  t.equal(betterOf(undefined, r(480)).status, 480);
});

t.test('WebSocket: transport=ws and a flow token naming the connection (RFC 7118 §5)', async (t) => {
  const ws = new LocalIdentity(
    new Map([
      ['UDP', { host: '127.0.0.1', port: 5090 }],
      ['WS', { host: '127.0.0.1', port: 8088 }],
    ]),
    [
      { host: '127.0.0.1', port: 5090 },
      { host: '127.0.0.1', port: 8088 },
    ],
    'ss.test',
  );
  t.equal(ws.recordRoute('WS'), '<sip:127.0.0.1:8088;transport=ws;lr>');
  const withFlow = ws.recordRoute('WS', 'ws-0a1b-7.bm9kZS1h');
  t.equal(withFlow, '<sip:ws-0a1b-7.bm9kZS1h@127.0.0.1:8088;transport=ws;lr>');
  t.ok(ws.isMine(withFlow), 'still our own route');
  t.equal(ws.ownRoute(withFlow)?.flow, 'ws-0a1b-7.bm9kZS1h');
  t.equal(ws.ownRoute(ws.recordRoute('UDP'))?.flow, undefined, 'no token, none found');
  t.equal(ws.ownRoute('<sip:ws-0a1b-7.bm9kZS1h@10.0.0.1:8088;transport=ws;lr>'), undefined, 'only in our own routes');
  t.same(ws.ownRoute('<sip:alice@127.0.0.1:8088;lr>'), {}, 'a user part that is no flow token');
});

t.test('signed Record-Route: the signature rides as a URI parameter, read back only from our own entries', async (t) => {
  const signed = identity.recordRoute('UDP', undefined, 'abc_DEF-123');
  t.equal(signed, '<sip:127.0.0.1:5090;lr;rrsig=abc_DEF-123>');
  t.ok(identity.isMine(signed));
  t.equal(identity.ownRoute(signed)?.signature, 'abc_DEF-123');
  t.equal(identity.ownRoute('sip:127.0.0.1:5090;lr;rrsig=abc')?.signature, 'abc', 'also as a bare URI (strict routing)');
  t.equal(identity.ownRoute('<sip:127.0.0.66:5090;lr;rrsig=abc_DEF-123>'), undefined, 'not ours: no signature of ours');
  t.equal(identity.ownRoute(identity.recordRoute('UDP'))?.signature, undefined, 'unsigned');
  t.same(identity.allSentBy(), ['127.0.0.1:5090', '127.0.0.1:5090']);
});

t.test("the dialog's hops ride opaque in our Record-Route and are read back from our own entries only", async (t) => {
  const token = encodeHops(['127.0.0.5', 'FD00::1']);
  t.match(token, /^[A-Za-z0-9_-]+$/, 'URI-safe');
  t.same(decodeHops(token), ['127.0.0.5', 'fd00::1'], 'round trip, lower case');
  t.same(decodeHops('not a token!'), [], 'garbage names no hop');
  const route = identity.recordRoute('UDP', undefined, 'sig', token);
  t.equal(route, `<sip:127.0.0.1:5090;lr;rrhops=${token};rrsig=sig>`);
  t.equal(identity.ownRoute(route)?.hops, token);
  t.equal(identity.ownRoute(`<sip:127.0.0.66:5090;lr;rrhops=${token}>`), undefined, 'not ours');
});

t.test('one read of our own route gives its signature, hops and flow together', async (t) => {
  const token = encodeHops(['192.0.2.1', '198.51.100.2']);
  const route = identity.recordRoute('UDP', 'ws-0a1b-7.bm9kZS1h', 'sig_1', token);
  t.same(identity.ownRoute(route), { signature: 'sig_1', hops: token, flow: 'ws-0a1b-7.bm9kZS1h' });
  t.same(identity.ownRoute(identity.recordRoute('UDP')), {}, 'ours, carrying nothing');
  t.equal(identity.ownRoute('<tel:+15551234;lr;rrsig=x>'), undefined, 'not a SIP URI: not ours');
  t.equal(identity.ownRoute('<sip:%%%>'), undefined, 'unparseable: not ours');
});

t.test('TLS and WSS: sips: in our Record-Route (RFC 5630 §3.1.3, RFC 7118 §5.2), recognised as ours', async (t) => {
  const secure = new LocalIdentity(
    new Map([
      ['UDP', { host: '127.0.0.1', port: 5090 }],
      ['TLS', { host: '127.0.0.1', port: 5091 }],
      ['WSS', { host: '127.0.0.1', port: 8443 }],
    ]),
    [],
    'ss.test',
  );
  t.equal(secure.recordRoute('TLS'), '<sips:127.0.0.1:5091;lr>');
  t.equal(secure.recordRoute('WSS', 'wss-0a1b-7.bm9kZS1h'), '<sips:wss-0a1b-7.bm9kZS1h@127.0.0.1:8443;transport=ws;lr>');
  t.ok(secure.isMine('<sips:127.0.0.1:5091;lr>'));
  t.ok(secure.isMine('<sip:127.0.0.1:5091;transport=tls;lr>'), 'the older transport=tls form names us too');
  t.equal(secure.ownRoute(secure.recordRoute('TLS', 'tls-0a1b-3.bm9kZS1h'))?.flow, 'tls-0a1b-3.bm9kZS1h');
  t.equal(secure.sentBy('TLS'), '127.0.0.1:5091', 'our Via over TLS');
});

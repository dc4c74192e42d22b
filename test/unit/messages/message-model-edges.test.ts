// The message model's accessors (RFC 3261 §7), the per-header parsers behind
// them, and the serializer, at their edges: absent or malformed headers, the
// Request-URI cache, and byte-exact output (§7.5).
import t from 'tap';
import { Headers, SipRequest, SipResponse, copyVia, isRequest, parseMessage, serializeMessage, type Via } from '../../../src/core/messages/index.js';
import { contactsOf, credentialsOf, cseqOf, nameAddrOf, viaListOf } from '../../../src/core/messages/parsed.js';

const built = (...headers: Array<[string, string]>) => new SipRequest('OPTIONS', 'sip:b@example.com', new Headers(headers));

t.test('a message built without headers or body has empty ones', async (t) => {
  const m = new SipRequest('OPTIONS', 'sip:b@example.com');
  t.equal(m.headers.size, 0);
  t.ok(Buffer.isBuffer(m.body));
  t.equal(m.body.length, 0);
  const r = new SipResponse(200, 'OK');
  t.equal(r.body.length, 0);
  t.equal(r.headers.size, 0);
  const body = Buffer.from('x');
  t.equal(new SipResponse(200, 'OK', undefined, body).body, body, 'a given body is kept');
});

t.test('isRequest tells requests from responses', async (t) => {
  t.equal(isRequest(built()), true);
  t.equal(isRequest(new SipResponse(200, 'OK')), false);
});

t.test('accessors of absent headers: null, an empty list or an empty tag', async (t) => {
  const m = built();
  t.equal(m.topVia(), null);
  t.equal(m.from(), null);
  t.equal(m.to(), null);
  t.equal(m.cseq(), null);
  t.same(m.contacts(), []);
  t.same(m.credentials('authorization'), []);
  t.equal(m.fromTag(), '');
  t.equal(m.toTag(), '');
  t.equal(m.hasToTag(), false);
});

t.test('accessors of malformed headers: null (a malformed Contact or Authorization line too)', async (t) => {
  const m = built(
    ['Via', 'not a via'],
    ['From', 'junk <'],
    ['To', '<sip:b@x'],
    ['CSeq', 'one OPTIONS'],
    ['Contact', '<sip:a@b.com>, <junk'],
    ['Authorization', 'Digest a'],
  );
  t.equal(m.topVia(), null);
  t.equal(m.from(), null);
  t.equal(m.to(), null);
  t.equal(m.cseq(), null);
  t.equal(m.contacts(), null);
  t.same(m.credentials('authorization'), [null]);
  t.equal(m.fromTag(), '', 'no tag of a malformed From');
  t.equal(m.hasToTag(), false);
});

t.test('every Authorization line is parsed, a malformed one as null in its place', async (t) => {
  const m = built(['Authorization', 'Digest a'], ['Authorization', 'Digest realm="r"'], ['Proxy-Authorization', 'Digest realm="p"']);
  t.same(m.credentials('Authorization'), [null, { scheme: 'Digest', params: { realm: 'r' } }]);
  t.same(m.credentials('proxy-authorization'), [{ scheme: 'Digest', params: { realm: 'p' } }]);
});

t.test('the parsers for Headers.parsed: the first line of a single-valued header, all lines of Contact', async (t) => {
  const h = new Headers([
    ['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b;branch=z9hG4bK2'],
    ['Via', 'SIP/2.0/UDP c;branch=z9hG4bK3'],
    ['To', '<sip:one@x>'],
    ['CSeq', '5 BYE'],
    ['Contact', '<sip:a@x>'],
    ['Contact', '<sip:b@x>, <sip:c@x>'],
  ]);
  t.same(
    viaListOf(h, 'via')?.map((v) => v.host),
    ['a', 'b'],
    'the Vias of the first line',
  );
  t.equal(nameAddrOf(h, 'to')?.uri, 'sip:one@x');
  t.same(cseqOf(h, 'cseq'), { seq: 5, method: 'BYE' });
  t.same(
    (contactsOf(h, 'contact') as Array<{ uri: string }>).map((c) => c.uri),
    ['sip:a@x', 'sip:b@x', 'sip:c@x'],
  );
  t.equal(viaListOf(new Headers(), 'via'), null);
  t.equal(nameAddrOf(new Headers(), 'to'), null);
  t.equal(cseqOf(new Headers(), 'cseq'), null);
  t.same(credentialsOf(new Headers(), 'authorization'), []);
  t.equal(contactsOf(new Headers([['Contact', '*']]), 'contact'), '*');
  t.equal(contactsOf(new Headers([['Contact', 'x y']]), 'contact'), null);
});

t.test('copyVia: every field, the port only when there is one, the parameters a copy', async (t) => {
  const via: Via = { protocol: 'SIP/2.0', transport: 'UDP', host: 'a.example.com', port: 5070, params: { branch: 'z9hG4bK1', rport: null } };
  const c = copyVia(via);
  t.same(c, via);
  t.not(c.params, via.params);
  c.params['received'] = '192.0.2.1';
  t.notOk('received' in via.params);
  const portless = copyVia({ protocol: 'SIP/2.0', transport: 'TCP', host: 'b', params: {} });
  t.notOk('port' in portless, 'no port key at all');
  t.equal(copyVia({ ...via, port: 0 }).port, 0, 'a port 0 is kept');
});

t.test('the Request-URI: parsed on demand, again when it changes; other schemes give null', async (t) => {
  const m = new SipRequest('INVITE', 'sip:a@one.example.com');
  t.equal(m.requestUri()?.host, 'one.example.com');
  m.uri = 'sips:b@two.example.com';
  t.equal(m.requestUri()?.host, 'two.example.com');
  t.equal(m.requestUri()?.scheme, 'sips');
  m.uri = 'urn:service:sos';
  t.equal(m.requestUri(), null);
  m.uri = 'sip:c@three.example.com';
  t.equal(m.requestUri()?.host, 'three.example.com', 'after a null, a sip URI again');
  const parsed = parseMessage(
    Buffer.from(
      'OPTIONS sip:x@four.example.com SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@b>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n',
    ),
  ) as SipRequest;
  t.equal(parsed.requestUri(), parsed.requestUri(), 'the parsed Request-URI is kept');
  t.equal(parsed.requestUri()?.host, 'four.example.com');
  parsed.uri = 'sip:x@five.example.com';
  t.equal(parsed.requestUri()?.host, 'five.example.com', 'the seeded value is dropped when the URI changes');
});

t.test('§7.5 serialization: any Content-Length given is replaced by the body length, in its place at the end', async (t) => {
  const m = new SipRequest(
    'MESSAGE',
    'sip:b@x',
    new Headers([
      ['Content-Length', '5'],
      ['Content-Length', '7'],
      ['Subject', 's'],
    ]),
    Buffer.from('abc'),
  );
  t.equal(serializeMessage(m).toString('latin1'), 'MESSAGE sip:b@x SIP/2.0\r\nSubject: s\r\nContent-Length: 3\r\n\r\nabc');
  const named = new Headers([['X-Content-Length', '9']]);
  t.equal(
    serializeMessage(new SipResponse(200, 'OK', named)).toString('latin1'),
    'SIP/2.0 200 OK\r\nX-Content-Length: 9\r\nContent-Length: 0\r\n\r\n',
    'only that header',
  );
});

t.test('serialization: only lines with characters above U+00FF are UTF-8 encoded, the others stay one byte a character', async (t) => {
  const h = new Headers([
    ['Subject', 'caf\xe9'],
    ['X-Phone', '\u260e'],
  ]);
  const out = serializeMessage(new SipResponse(200, 'OK', h, Buffer.from([0xe9])));
  const expected = Buffer.concat([
    Buffer.from('SIP/2.0 200 OK\r\nSubject: caf\xe9\r\n', 'latin1'),
    Buffer.from('X-Phone: \u260e\r\n', 'utf8'),
    Buffer.from('Content-Length: 1\r\n\r\n\xe9', 'latin1'),
  ]);
  t.same(out, expected);
  const latin = serializeMessage(new SipResponse(200, 'caf\xe9', new Headers()));
  t.same(latin, Buffer.from('SIP/2.0 200 caf\xe9\r\nContent-Length: 0\r\n\r\n', 'latin1'), 'no wide character: latin1 throughout');
});

t.test('replaceTopVia keeps a copy of the new Via in the cache', async (t) => {
  const m = built(['Via', 'SIP/2.0/UDP a;branch=z9hG4bK1'], ['Via', 'SIP/2.0/UDP b;branch=z9hG4bK2']);
  const via: Via = { protocol: 'SIP/2.0', transport: 'UDP', host: 'a', port: 5062, params: { branch: 'z9hG4bK1', received: '192.0.2.1' } };
  m.replaceTopVia(via);
  const cached = m.headers._peekParsed('via', viaListOf);
  t.same(cached, [via], 'stored before any read');
  t.not(cached?.[0], via, 'a copy');
  t.equal(m.headers.getAll('via').length, 2);
});

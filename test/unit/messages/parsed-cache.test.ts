// The per-message cache of parsed header values (Headers.parsed and the
// SipMessage accessors): same results as the free parsers, computed once,
// dropped when the header changes, and shared read-only by contract.
import t from 'tap';
import {
  Headers,
  copyVia,
  createResponse,
  formatVia,
  parseContactList,
  parseCredentials,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseVia,
  SipRequest,
  type SipResponse,
} from '../../../src/core/messages/index.js';

const LINES = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776;rport',
  'Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bK999',
  'Max-Forwards: 70',
  'From: "Alice" <sip:alice@example.com>;tag=1928301774',
  'To: "Alice" <sip:alice@example.com>',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314160 REGISTER',
  'Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600',
  'Contact: <sip:alice@198.51.100.1>;q=0.5, sip:alice@203.0.113.9',
  'Authorization: Digest username="alice", realm="example.com", nonce="abc", uri="sip:example.com", response="0123", qop=auth, nc=00000001, cnonce="x"',
  'Authorization: Digest username="bob", realm="other.example", nonce="n\\"q", uri="sip:example.com", response="99"',
  'Content-Length: 0',
];
const raw = (lines = LINES) => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
const register = (lines = LINES) => parseMessage(raw(lines)) as SipRequest;

t.test('accessors give what the free parsers give', async (t) => {
  const m = register();
  const h = m.headers;
  t.same(m.topVia(), parseVia(h.get('via') as string)?.[0]);
  t.same(m.from(), parseNameAddr(h.get('from') as string));
  t.same(m.to(), parseNameAddr(h.get('to') as string));
  t.same(m.cseq(), parseCSeq(h.get('cseq') as string));
  t.same(m.contacts(), parseContactList(h.getAll('contact')));
  t.equal((m.contacts() as unknown[]).length, 3, 'contacts from every Contact line');
  t.same(m.credentials('authorization'), h.getAll('authorization').map(parseCredentials));
  t.equal(m.credentials('Authorization')[1]?.params['nonce'], 'n"q', 'escaped quoted value');
  t.same(m.requestUri(), parseUri(m.uri));
  t.equal(m.topVia()?.params['branch'], 'z9hG4bK776');
  t.equal(m.from()?.params['tag'], '1928301774');
  t.same(m.credentials('proxy-authorization'), [], 'absent header: no credentials');
});

t.test('validation fills the cache; reads return the same object', async (t) => {
  const m = register();
  const via = m.headers._peekParsed('via', (h, n) => parseVia(h.get(n) ?? ''));
  t.equal(via, undefined, 'a different parse function is a different cache entry');
  t.ok(m.topVia() === m.topVia());
  t.ok(m.from() === m.from());
  t.ok(m.contacts() === m.contacts());
  t.ok(m.credentials('authorization') === m.credentials('authorization'));
  t.ok(m.requestUri() === m.requestUri());
  t.not(parseVia(m.headers.get('via') as string)?.[0], m.topVia(), 'the free parser still returns a fresh object');
});

t.test('Headers.parsed runs a parser once per message until the header changes', async (t) => {
  const m = register();
  let calls = 0;
  const upper = (h: Headers, name: string): string => {
    calls++;
    return (h.get(name) ?? '').toUpperCase();
  };
  t.equal(m.headers.parsed('call-id', upper), 'A84B4C76E66710@PC33.EXAMPLE.COM');
  t.equal(m.headers.parsed('call-id', upper), 'A84B4C76E66710@PC33.EXAMPLE.COM');
  t.equal(calls, 1);
  m.headers.set('Max-Forwards', '69');
  t.equal(m.headers.parsed('call-id', upper), 'A84B4C76E66710@PC33.EXAMPLE.COM');
  t.equal(calls, 1, 'another header changing keeps the entry');
  m.headers.set('i', 'new@host');
  t.equal(m.headers.parsed('call-id', upper), 'NEW@HOST', 'compact name invalidates the long-name entry');
  t.equal(calls, 2);

  const plain = new Headers([['To', '<sip:bob@example.com>']]);
  t.equal(plain.parsed('to', upper), '<SIP:BOB@EXAMPLE.COM>', 'works on built (non-parsed) headers too');
});

t.test('a mutation after a cached read is seen by the next read', async (t) => {
  const m = register();
  const from = m.from();
  const to = m.to();
  t.equal(from?.params['tag'], '1928301774');

  m.headers.set('From', '<sip:carol@example.com>;tag=77');
  t.equal(m.from()?.params['tag'], '77', 'set');
  t.equal(m.to(), to, 'other headers keep their cached value');

  t.equal((m.contacts() as unknown[]).length, 3);
  m.headers.append('Contact', '<sip:alice@192.0.2.99>');
  t.equal((m.contacts() as unknown[]).length, 4, 'append');
  m.headers.remove('contact');
  t.same(m.contacts(), [], 'remove');
  m.headers.set('m', '*');
  t.equal(m.contacts(), '*', 'set by compact name');

  t.equal(m.topVia()?.host, '192.0.2.10');
  m.headers.removeFirst('via');
  t.equal(m.topVia()?.host, 'proxy.example.com', 'removeFirst');
  m.headers.prepend('Via', 'SIP/2.0/WS edge.example.com;branch=z9hG4bKws');
  t.equal(m.topVia()?.transport, 'WS', 'prepend');

  m.headers.set('CSeq', '314161 REGISTER');
  t.equal(m.cseq()?.seq, 314161);
  m.headers.remove('Authorization');
  t.same(m.credentials('authorization'), []);

  m.uri = 'sip:other.example.com';
  t.equal(m.requestUri()?.host, 'other.example.com', 'a new Request-URI is parsed again');
});

t.test('values read from the cache are shared; copies are not', async (t) => {
  const m = register();
  const stamped = copyVia(m.topVia()!);
  stamped.params['received'] = '203.0.113.5';
  t.equal(m.topVia()?.params['received'], undefined, 'changing a copy does not leak into the message');

  // The documented contract: cached values are read-only and shared, so a
  // (type-violating) write would be seen by the next reader. The build checks
  // that TypeScript rejects such a write (never run, so the message stays intact):
  const typeCheckOnly = (): void => {
    // @ts-expect-error cached values are read-only
    m.topVia()!.params['received'] = 'x';
    // @ts-expect-error cached values are read-only
    m.from()!.params['tag'] = 'x';
  };
  void typeCheckOnly;
  // Shared: every reader gets the very same object, parsed once.
  t.equal(m.topVia(), m.topVia(), 'Via is parsed once and shared');
  t.equal(m.from(), m.from(), 'From is parsed once and shared');
  t.not(copyVia(m.topVia()!), m.topVia(), 'a copy is a new object');
});

t.test('replaceTopVia writes the text and keeps the cache in step', async (t) => {
  for (const received of ['203.0.113.5', '2001:db8::1']) {
    const m = register();
    const via = copyVia(m.topVia()!);
    via.params['received'] = received;
    via.params['rport'] = '40000';
    m.replaceTopVia(via);
    t.equal(m.headers.get('via'), formatVia(via));
    t.equal(m.headers.getAll('via').length, 2, 'the second Via line stays');
    t.same(m.topVia(), parseVia(m.headers.get('via') as string)?.[0], 'cached value equals a fresh parse of the new text');
    via.params['received'] = 'changed-later';
    t.equal(m.topVia()?.params['received'], received, 'the caller keeps its own object');
  }

  const multi = register(
    LINES.map((l) =>
      l.startsWith('Via: SIP/2.0/TCP') ? 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2' : l,
    ).filter((l, i) => i !== 1),
  );
  const top = copyVia(multi.topVia()!);
  top.params['received'] = '192.0.2.1';
  multi.replaceTopVia(top);
  t.same(multi.headers.getAll('via'), [formatVia(top), 'SIP/2.0/UDP b.example.com;branch=z9hG4bK2'], 'only the first element of a comma list goes');
  t.equal(multi.topVia()?.params['received'], '192.0.2.1');
});

t.test('clone shares cached values but not later changes', async (t) => {
  const m = register();
  const from = m.from();
  const copy = new SipRequest('REGISTER', m.uri, m.headers.clone());
  t.equal(copy.from(), from, 'the clone starts with the same cached value');
  copy.headers.set('From', '<sip:mallory@example.com>;tag=1');
  t.equal(copy.from()?.uri, 'sip:mallory@example.com');
  t.equal(m.from(), from, 'changing the clone leaves the original cache alone');
  t.equal(m.headers.get('from'), '"Alice" <sip:alice@example.com>;tag=1928301774');
});

t.test('responses share what the request parsed, except a tagged To', async (t) => {
  const m = register();
  const res = createResponse(m, 200);
  t.equal(res.topVia(), m.topVia(), 'same text, same cached value');
  t.same(res.topVia(), parseVia(res.headers.get('via') as string)?.[0]);
  t.equal(res.cseq(), m.cseq());
  t.not(res.to(), m.to(), 'To got a tag, so it is parsed afresh');
  t.ok(res.to()?.params['tag'], 'the new To has the tag');
  const trying = createResponse(m, 100);
  t.equal(trying.to(), m.to(), 'no tag added on 100');
});

t.test('folded and compact headers are parsed like their unfolded text', async (t) => {
  const lines = LINES.map((l) => (l.startsWith('Via: SIP/2.0/UDP') ? 'v: SIP/2.0/UDP 192.0.2.10:5060\r\n ;branch=z9hG4bKfold;rport' : l)).map((l) =>
    l.startsWith('From:') ? 'f: "Alice"\r\n\t<sip:alice@example.com> ;tag=9' : l,
  );
  const m = register(lines);
  t.equal(m.topVia()?.params['branch'], 'z9hG4bKfold');
  t.same(m.topVia(), parseVia(m.headers.get('via') as string)?.[0]);
  t.equal(m.from()?.params['tag'], '9');
  t.equal(m.from()?.displayName, 'Alice');
});

t.test('a response parsed from the wire has its Via and CSeq cached', async (t) => {
  const res = parseMessage(
    Buffer.from(
      [
        'SIP/2.0 180 Ringing',
        'Via: SIP/2.0/UDP 192.0.2.10;branch=z9hG4bKr',
        'From: <sip:a@example.com>;tag=1',
        'To: <sip:b@example.com>;tag=2',
        'Call-ID: r1',
        'CSeq: 7 INVITE',
        'Contact: <sip:b@192.0.2.20>',
        '',
        '',
      ].join('\r\n'),
      'latin1',
    ),
  ) as SipResponse;
  t.equal(res.topVia()?.params['branch'], 'z9hG4bKr');
  t.same(res.cseq(), { seq: 7, method: 'INVITE' });
  t.same(res.contacts(), parseContactList(res.headers.getAll('contact')), 'Contact parsed on demand for responses');
});

// Building a response (RFC 3261 §8.2.6) and its To tag (§8.2.6.2, §19.3) at the edges.
import t from 'tap';
import { Headers, SipRequest, createResponse, parseMessage, toTag } from '../../../src/core/messages/index.js';
import { base36 } from '../../../src/core/messages/responses.js';

const LINES: Record<string, string> = {
  via: 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
  from: 'From: <sip:alice@example.com>;tag=f1',
  to: 'To: <sip:bob@example.com>',
  callId: 'Call-ID: c1@host',
  cseq: 'CSeq: 1 OPTIONS',
};
const request = (change: Record<string, string> = {}) =>
  parseMessage(
    Buffer.from(['OPTIONS sip:bob@example.com SIP/2.0', ...Object.keys(LINES).map((k) => change[k] ?? LINES[k]), '', ''].join('\r\n'), 'latin1'),
  ) as SipRequest;

t.test('§8.2.6.2 a To tag from 101 on, none on 100', async (t) => {
  t.equal(createResponse(request(), 100).to()?.params['tag'], undefined);
  const tag = createResponse(request(), 101).to()?.params['tag'];
  t.equal(tag, toTag(request()), 'the tag toTag gives');
  t.match(tag, /^[0-9a-z]+$/, 'a token');
});

t.test('the tagged To is parsed again, not copied from the request', async (t) => {
  const req = request();
  t.equal(req.to()?.params['tag'], undefined, 'the request has parsed its untagged To');
  const res = createResponse(req, 200);
  t.equal(res.to()?.params['tag'], toTag(req), "the response's To has the tag");
  t.equal(res.headers.get('to'), `<sip:bob@example.com>;tag=${toTag(req)}`);
  const tagged = request({ to: 'To: <sip:bob@example.com>;tag=t9' });
  const parsedTo = tagged.to();
  t.equal(createResponse(tagged, 200).to(), parsedTo, 'an already tagged To is shared');
});

t.test('a malformed To gets no tag (there is nothing to add it to)', async (t) => {
  const req = new SipRequest('OPTIONS', 'sip:b@example.com', new Headers([['To', 'not a name-addr <']]));
  t.equal(createResponse(req, 200).headers.get('to'), 'not a name-addr <');
});

t.test('headers the request lacks are not made up', async (t) => {
  const res = createResponse(new SipRequest('OPTIONS', 'sip:b@example.com', new Headers([['CSeq', '2 OPTIONS']])), 404);
  t.same(res.headers.entries(), [['CSeq', '2 OPTIONS']]);
  t.equal(res.reason, 'Not Found');
  t.equal(createResponse(request(), 200, '').reason, '', 'an empty reason given is kept');
});

t.test('§19.3 the To tag: the same for the same request, different when Call-ID, From tag or branch differ', async (t) => {
  const base = toTag(request());
  t.equal(toTag(request()), base, 'a retransmission');
  t.equal(toTag(request({ cseq: 'CSeq: 1 OPTIONS', to: 'To: "B" <sip:bob@example.com>' })), base, 'not the To');
  t.not(toTag(request({ callId: 'Call-ID: c2@host' })), base, 'Call-ID');
  t.not(toTag(request({ from: 'From: <sip:alice@example.com>;tag=f2' })), base, 'From tag');
  t.equal(toTag(request({ from: 'From: "Other" <sip:alice@example.com>;tag=f1' })), base, 'only the tag of From');
  t.not(toTag(request({ via: 'Via: SIP/2.0/UDP a.example.com;branch=z9hG4bK2' })), base, 'branch');
  t.equal(toTag(request({ via: 'Via: SIP/2.0/TCP b.example.com;branch=z9hG4bK1' })), base, 'only the branch of Via');
});

t.test('without a From tag or a branch, their whole header text stands in', async (t) => {
  const a = request({ from: 'From: <sip:alice@example.com>', via: 'Via: SIP/2.0/UDP a.example.com' });
  const b = request({ from: 'From: <sip:carol@example.com>', via: 'Via: SIP/2.0/UDP a.example.com' });
  const c = request({ from: 'From: <sip:alice@example.com>', via: 'Via: SIP/2.0/UDP c.example.com' });
  t.not(toTag(a), toTag(b), 'From text');
  t.not(toTag(a), toTag(c), 'Via text');
  const bare = (headers: Array<[string, string]>) => toTag(new SipRequest('OPTIONS', 'sip:b@example.com', new Headers(headers)));
  const none = bare([]);
  t.match(none, /^[0-9a-z]+$/, 'a request with none of them still gets a tag');
  t.not(bare([['Call-ID', 'x']]), none);
  t.not(bare([['From', 'x']]), none, 'an unparsable From: its text');
  t.not(bare([['Via', 'x']]), none, 'an unparsable Via: its text');
  t.not(bare([['From', 'x']]), bare([['Via', 'x']]), 'the parts are kept apart');
});

t.test('tags spread: a thousand requests differing in one Call-ID character get a thousand tags', async (t) => {
  const tags = new Set<string>();
  for (let i = 0; i < 1000; i++) tags.add(toTag(request({ callId: `Call-ID: call-${i}@host` })));
  t.equal(tags.size, 1000);
  const lengths = [...tags].map((s) => s.length);
  t.ok(Math.min(...lengths) >= 6, 'at least 6 base-36 characters (more than 2^30 values)');
});

t.test('§8.2.6 a response has a CSeq only when the request has one', async (t) => {
  const res = createResponse(new SipRequest('OPTIONS', 'sip:b@example.com', new Headers([['Call-ID', 'c']])), 500);
  t.same(res.headers.entries(), [['Call-ID', 'c']]);
});

t.test('a response shares the From, Via and CSeq the request parsed, and parses its own otherwise', async (t) => {
  const req = request();
  const from = req.from();
  t.equal(createResponse(req, 200).from(), from, 'the same object');
  t.equal(createResponse(req, 200).topVia(), req.topVia());
  const built = new SipRequest(
    'OPTIONS',
    'sip:b@example.com',
    new Headers([
      ['Via', 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1'],
      ['From', '<sip:alice@example.com>;tag=f1'],
      ['To', '<sip:bob@example.com>;tag=t1'],
      ['CSeq', '4 OPTIONS'],
    ]),
  );
  const res = createResponse(built, 200);
  t.equal(res.from()?.uri, 'sip:alice@example.com', 'a request that parsed nothing yet');
  t.equal(res.to()?.params['tag'], 't1');
  t.equal(res.topVia()?.host, 'a.example.com');
  t.same(res.cseq(), { seq: 4, method: 'OPTIONS' });
});

t.test('§19.3 the parts of the To tag are kept apart', async (t) => {
  const a = request({ callId: 'Call-ID: ab', from: 'From: <sip:alice@example.com>;tag=c' });
  const b = request({ callId: 'Call-ID: a', from: 'From: <sip:alice@example.com>;tag=bc' });
  t.not(toTag(a), toTag(b), 'Call-ID "ab" + tag "c" is not Call-ID "a" + tag "bc"');
});

t.test('base36 writes a whole number below 2^53 as toString(36) does', async (t) => {
  const samples = [0, 1, 35, 36, 60_466_175, 60_466_176, 60_466_177, 2 ** 30, 2 ** 31 + 5, 2 ** 53 - 1];
  for (let i = 0; i < 500; i++) samples.push(Math.floor(Math.random() * 2 ** 53));
  for (const n of samples) t.equal(base36(n), n.toString(36), String(n));
});

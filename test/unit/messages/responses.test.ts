import t from 'tap';
import { SipRequest, createResponse, parseMessage, parseNameAddr, reasonPhrase, serializeMessage } from '../../../src/core/messages/index.js';

const raw = (branch: string, to = 'To: <sip:bob@example.com>') =>
  Buffer.from(
    [
      'INVITE sip:bob@example.com SIP/2.0',
      `Via: SIP/2.0/UDP proxy.example.com;branch=${branch}, SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;received=192.0.2.9`,
      'Via: SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKb',
      'Max-Forwards: 69',
      'From: "A" <sip:alice@example.com>;tag=88',
      to,
      'Call-ID: call-1@example.com',
      'CSeq: 101 INVITE',
      'Record-Route: <sip:proxy.example.com;lr>',
      'Contact: <sip:alice@192.0.2.1>',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
const req = (branch = 'z9hG4bKp1', to?: string) => parseMessage(raw(branch, to)) as SipRequest;

t.test('copies Via (all, in order), From, To, Call-ID, CSeq; not Record-Route', async (t) => {
  const r = createResponse(req(), 180);
  t.equal(r.status, 180);
  t.equal(r.reason, 'Ringing');
  t.same(r.headers.getAll('via'), req().headers.getAll('via'));
  t.equal(r.headers.get('from'), '"A" <sip:alice@example.com>;tag=88');
  t.equal(r.headers.get('call-id'), 'call-1@example.com');
  t.equal(r.headers.get('cseq'), '101 INVITE');
  t.notOk(r.headers.has('record-route'));
  t.notOk(r.headers.has('contact'));
  t.notOk(r.headers.has('max-forwards'));
  t.same(
    r.headers.entries().map(([n]) => n),
    ['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq'],
  );
  t.ok(parseMessage(serializeMessage(r)), 'serialised response parses');
});

t.test('To tag: added above 100, stable per request, distinct across requests', async (t) => {
  t.equal(createResponse(req(), 100).headers.get('to'), '<sip:bob@example.com>', 'no tag on 100');
  const tag1 = parseNameAddr(createResponse(req(), 200).headers.get('to') as string)?.params['tag'];
  t.match(tag1, /^[0-9a-z]{6,}$/);
  t.equal(parseNameAddr(createResponse(req(), 486).headers.get('to') as string)?.params['tag'], tag1, 'retransmission / other status: same tag');
  const tag2 = parseNameAddr(createResponse(req('z9hG4bKp2'), 200).headers.get('to') as string)?.params['tag'];
  t.not(tag2, tag1, 'different branch -> different tag');
  const existing = createResponse(req('z9hG4bKp1', 'To: <sip:bob@example.com>;tag=already'), 200);
  t.equal(existing.headers.get('to'), '<sip:bob@example.com>;tag=already', 'existing tag kept');
});

t.test('reason phrases', async (t) => {
  t.equal(reasonPhrase(200), 'OK');
  t.equal(reasonPhrase(423), 'Interval Too Brief');
  t.equal(reasonPhrase(433), 'Anonymity Disallowed');
  t.equal(reasonPhrase(439), 'First Hop Lacks Outbound Support');
  t.equal(reasonPhrase(494), 'Security Agreement Required');
  t.equal(reasonPhrase(505), 'Version Not Supported');
  t.equal(reasonPhrase(499), 'Client Error', 'unknown code: class default');
  t.equal(createResponse(req(), 403, 'Nope').reason, 'Nope');
});

import t from 'tap';
import { Headers, SipRequest, SipResponse, parseMessage, serializeMessage } from '../../../src/core/messages/index.js';

t.test('serialize a built request', async (t) => {
  const h = new Headers([
    ['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
    ['From', '<sip:a@b.com>;tag=1'],
    ['To', '<sip:c@d.com>'],
    ['Call-ID', 'x@y'],
    ['CSeq', '1 MESSAGE'],
    ['Content-Length', '999'],
    ['Content-Type', 'text/plain'],
  ]);
  const buf = serializeMessage(new SipRequest('MESSAGE', 'sip:c@d.com', h, Buffer.from('hi')));
  t.equal(
    buf.toString('latin1'),
    'MESSAGE sip:c@d.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b.com>;tag=1\r\n' +
      'To: <sip:c@d.com>\r\nCall-ID: x@y\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi',
  );
  const r = serializeMessage(new SipResponse(200, 'OK', new Headers([['CSeq', '1 MESSAGE']])));
  t.equal(r.toString('latin1'), 'SIP/2.0 200 OK\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n');
});

t.test('parse -> serialize -> parse round trip keeps every header and body byte', async (t) => {
  const body = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x80]);
  const raw = Buffer.concat([
    Buffer.from(
      [
        'INVITE sip:bob@example.com SIP/2.0',
        'v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
        'f: "J\xc3\xb6rg" <sip:j@example.com>;tag=1',
        't: <sip:bob@example.com>',
        'i: abc',
        'CSeq: 7 INVITE',
        'Subject: folded',
        '  subject',
        'c: application/octet-stream',
        'l: 9',
        '',
        '',
      ].join('\r\n'),
      'latin1',
    ),
    body,
  ]);
  const m1 = parseMessage(raw);
  const out = serializeMessage(m1);
  const m2 = parseMessage(out);
  t.same(m2.headers.entries(), m1.headers.entries());
  t.same(m2.body, body);
  t.ok(out.includes(Buffer.from('From: "J\xc3\xb6rg"', 'latin1')), 'UTF-8 display name bytes unchanged');
  t.ok(out.toString('latin1').includes('Subject: folded subject\r\n'));
  t.same(serializeMessage(m2), out, 'stable');
});

t.test('Unicode (non-latin1) strings are UTF-8 encoded', async (t) => {
  const h = new Headers([['Subject', 'Grüße ☎']]);
  const buf = serializeMessage(new SipResponse(200, 'OK ☎', h));
  t.ok(buf.includes(Buffer.from('Subject: Grüße ☎\r\n', 'utf8')));
  t.ok(buf.includes(Buffer.from('SIP/2.0 200 OK ☎\r\n', 'utf8')));
});

t.test('ownMemory: the same bytes in a buffer of their own, not a slice of the shared pool', async (t) => {
  const response = new SipResponse(200, 'OK', new Headers([['CSeq', '1 BYE']]));
  const own = serializeMessage(response, true);
  t.equal(own.toString('latin1'), serializeMessage(response).toString('latin1'));
  t.equal(own.buffer.byteLength, own.length, 'the buffer holds these bytes only');
  t.ok(serializeMessage(response).buffer.byteLength > own.length, 'by default a slice of the pool');
});

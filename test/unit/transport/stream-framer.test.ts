import t from 'tap';
import { readContentLength, StreamFramer } from '../../../src/core/transport/stream-framer.js';

const msg = (body: string, cl: string | null = String(Buffer.byteLength(body))) =>
  `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n${cl === null ? '' : `Content-Length: ${cl}\r\n`}\r\n${body}`;

t.test('frames messages split and joined arbitrarily', async (t) => {
  const stream = Buffer.from(msg('hello') + msg('') + msg('xyz'));
  for (const chunk of [1, 7, 50, stream.length]) {
    const framer = new StreamFramer();
    const out: string[] = [];
    for (let i = 0; i < stream.length; i += chunk) {
      for (const item of framer.push(stream.subarray(i, i + chunk))) {
        t.equal(item.kind, 'message');
        if (item.kind === 'message') out.push(item.data.toString());
      }
    }
    t.same(out, [msg('hello'), msg(''), msg('xyz')], `chunk size ${chunk}`);
  }
});

t.test('CRLFCRLF keep-alive is a ping; lone CRLFs between messages are skipped', async (t) => {
  const framer = new StreamFramer();
  t.same(framer.push(Buffer.from('\r\n\r\n')), [{ kind: 'ping' }]);
  const out = framer.push(Buffer.from(`\r\n${msg('')}`));
  t.equal(out.length, 1);
  t.equal(out[0]!.kind, 'message');
});

t.test('missing or bad Content-Length breaks the stream', async (t) => {
  t.same(
    new StreamFramer().push(Buffer.from(msg('', null))).map((o) => o.kind),
    ['error'],
  );
  t.same(
    new StreamFramer().push(Buffer.from(msg('', 'abc'))).map((o) => o.kind),
    ['error'],
  );
  t.same(
    new StreamFramer().push(Buffer.from(msg('', '99999999'))).map((o) => o.kind),
    ['error'],
  );
  const framer = new StreamFramer();
  framer.push(Buffer.from(msg('', null)));
  t.same(framer.push(Buffer.from(msg(''))), [], 'nothing after the stream broke');
});

t.test('an endless header section is refused', async (t) => {
  const framer = new StreamFramer();
  const out = framer.push(Buffer.alloc(70_000, 'a'));
  t.same(
    out.map((o) => o.kind),
    ['error'],
  );
});

t.test('compact l: header', async (t) => {
  t.equal(readContentLength(Buffer.from('INVITE sip:x SIP/2.0\r\nl: 12\r\nv: x')), 12);
  t.equal(readContentLength(Buffer.from('INVITE sip:x SIP/2.0\r\nContent-Type: a')), undefined);
});

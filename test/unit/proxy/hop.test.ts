import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { hopRefusal, stampHop } from '../../../src/proxy/hop.js';

const US = ['127.0.0.1:5090'];

function request(extra: Array<[string, string]>, vias = ['SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-a']): SipRequest {
  return new SipRequest('BYE', 'sip:b@127.0.0.9', new Headers([...vias.map((v): [string, string] => ['Via', v]), ['Call-ID', 'x'], ...extra]));
}

t.test('Max-Forwards: 483 at 0, forwarded above', async (t) => {
  t.same(hopRefusal(request([['Max-Forwards', '0']]), US), { status: 483, reason: 'Max-Forwards exhausted' });
  t.equal(hopRefusal(request([['Max-Forwards', '1']]), US), undefined);
  t.equal(hopRefusal(request([]), US), undefined, 'missing: the default applies');
});

t.test('stampHop: decrements (adds 70 when missing), never below 0', async (t) => {
  const r = request([['Max-Forwards', '5']]);
  stampHop(r.headers);
  t.equal(r.headers.get('max-forwards'), '4');
  const none = request([]);
  stampHop(none.headers);
  t.equal(none.headers.get('max-forwards'), '70');
  const zero = request([['Max-Forwards', '0']]);
  stampHop(zero.headers);
  t.equal(zero.headers.get('max-forwards'), '0');
});

t.test('stampHop: credentials never leave', async (t) => {
  const r = request([
    ['Authorization', 'Digest username="a"'],
    ['Proxy-Authorization', 'Digest username="a"'],
    ['Proxy-Authorization', 'Digest username="b"'],
  ]);
  stampHop(r.headers);
  t.equal(r.headers.get('authorization'), undefined);
  t.same(r.headers.getAll('proxy-authorization'), []);
});

t.test("loop: our Via below the sender's is a loop (482); the sender's own is not", async (t) => {
  const looped = request([], ['SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-b', 'SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKab.1.x;rport']);
  t.same(hopRefusal(looped, US), { status: 482, reason: 'loop detected' });
  const combined = request([], ['SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-b, SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bKab.1.x']);
  t.equal(hopRefusal(combined, US)?.status, 482, 'also inside one comma-separated Via line');
  t.equal(hopRefusal(request([], ['SIP/2.0/UDP 127.0.0.1:5090;branch=z9hG4bK-c']), US), undefined, 'top Via is the sender (us as a client is fine)');
  t.equal(
    hopRefusal(request([], ['SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-b', 'SIP/2.0/UDP 127.0.0.1:5091;branch=z9hG4bK-d']), US),
    undefined,
    'another port is not us',
  );
});

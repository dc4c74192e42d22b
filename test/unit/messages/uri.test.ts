import t from 'tap';
import { formatUri, parseUri, unescapeUser, uriEquals } from '../../../src/core/messages/index.js';

const p = (s: string) => {
  const u = parseUri(s);
  if (u === null) throw new Error(`did not parse: ${s}`);
  return u;
};

t.test('basic sip and sips URIs', async (t) => {
  const u = p('sip:Alice:secret@Example.COM:5070;Transport=TCP;lr?Subject=hi&Priority=urgent');
  t.equal(u.scheme, 'sip');
  t.equal(u.user, 'Alice');
  t.equal(u.password, 'secret');
  t.equal(u.host, 'example.com', 'host lower-cased');
  t.equal(u.port, 5070);
  t.same(u.params, { transport: 'TCP', lr: null }, 'param names lower-cased, values kept');
  t.same(u.headers, { Subject: 'hi', Priority: 'urgent' });
  t.equal(p('SIPS:bob@example.com').scheme, 'sips');
  const noUser = p('sip:example.com');
  t.equal(noUser.user, undefined);
  t.equal(noUser.port, undefined);
});

t.test('IPv6 references keep brackets', async (t) => {
  const u = p('sip:alice@[2001:DB8::10]:5061;transport=tls');
  t.equal(u.host, '[2001:db8::10]');
  t.equal(u.port, 5061);
  t.equal(p('sip:[::1]').host, '[::1]');
  t.equal(parseUri('sip:alice@[2001:db8::10'), null, 'unterminated');
  t.equal(parseUri('sip:alice@[]'), null);
});

t.test('malformed and other schemes', async (t) => {
  for (const bad of [
    '',
    'sip:',
    'sip:@example.com',
    'sip:alice@',
    'sip:alice@example.com:99999',
    'sip:alice@example.com:',
    'sip:a b@example.com',
    'sip:alice@exa mple.com',
    '<sip:alice@example.com>',
    'sip:alice@example.com;=x',
    '1sip:x',
  ]) {
    t.equal(parseUri(bad), null, JSON.stringify(bad));
  }
  t.equal(parseUri('http://example.com'), null, 'other schemes are not parsed');
  t.equal(parseUri('urn:uuid:1234'), null);
});

t.test('tel URIs', async (t) => {
  const u = p('tel:+1-201-555-0123;phone-context=example.com');
  t.equal(u.scheme, 'tel');
  t.equal(u.user, '+1-201-555-0123');
  t.equal(u.host, '');
  t.same(u.params, { 'phone-context': 'example.com' });
  t.equal(formatUri(u), 'tel:+1-201-555-0123;phone-context=example.com');
});

t.test('user part with reserved characters and escapes', async (t) => {
  const u = p('sip:user;par=u%40example.net@example.com');
  t.equal(u.user, 'user;par=u%40example.net');
  t.equal(unescapeUser(u.user!), 'user;par=u@example.net');
  t.equal(unescapeUser('a%2'), 'a%2', 'truncated escape kept');
  t.equal(unescapeUser('%zz%41'), '%zzA');
  t.equal(unescapeUser('%C3%A9'), '\xc3\xa9', 'byte-preserving (latin1 binary string)');
});

t.test('formatUri round trip', async (t) => {
  for (const s of ['sip:alice@example.com', 'sips:alice:pw@example.com:5061;transport=tls;lr', 'sip:[2001:db8::1]:5060;maddr=10.0.0.1?Subject=x&Call-ID=y']) {
    t.equal(formatUri(p(s)), s);
  }
});

t.test('uriEquals per RFC 3261 §19.1.4', async (t) => {
  const eq = (a: string, b: string) => uriEquals(p(a), p(b));
  t.ok(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp'));
  t.ok(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5'));
  t.ok(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;newparam=5'), 'params only in one side ignored');
  t.ok(eq('sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com', 'sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com'));
  t.ok(eq('sip:alice@atlanta.com?subject=project%20x&priority=urgent', 'sip:alice@atlanta.com?priority=urgent&subject=project%20x'));
  t.notOk(eq('SIP:ALICE@AtLanTa.CoM;Transport=udp', 'sip:alice@AtLanTa.CoM;Transport=UDP'), 'user is case-sensitive');
  t.notOk(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060'), 'explicit port differs');
  t.notOk(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp'), 'transport present on one side');
  t.notOk(eq('sip:bob@biloxi.com', 'sips:bob@biloxi.com'));
  t.notOk(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off'));
  t.notOk(eq('sip:carol@chicago.com', 'sip:carol@chicago.com?Subject=next%20meeting'), 'headers must match');
  t.notOk(eq('sip:alice@atlanta.com', 'sip:alice:pw@atlanta.com'));
});

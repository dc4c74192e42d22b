import t from 'tap';
import { bareHost, formatUri, parseUri, unescapeUser, uriEquals, type SipUri } from '../../../src/core/messages/index.js';
import { lowerAscii, parseUriRange, scanUriAfterScheme, schemeEnd } from '../../../src/core/messages/headers/uri.js';

/** SIP, SIPS and tel URIs at the edges of their grammar (RFC 3261 §19.1, §25.1; RFC 3966). */
const p = (s: string): SipUri => {
  const u = parseUri(s);
  if (u === null) throw new Error(`did not parse: ${s}`);
  return u;
};

t.test('§25.1 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )', async (t) => {
  t.equal(schemeEnd('sip:x'), 3);
  t.equal(schemeEnd('Zz9+-.:x'), 6, 'letters, digits, + - . after the first letter');
  t.equal(schemeEnd('a:x'), 1, 'a one-letter scheme');
  t.equal(schemeEnd('A:x'), 1);
  t.equal(schemeEnd('z:x'), 1);
  for (const bad of ['@ip:x', '[ip:x', '`ip:x', '{ip:x', '1ip:x', '+ip:x', ':x']) t.equal(schemeEnd(bad), -1, `${bad}: a scheme starts with a letter`);
  t.equal(schemeEnd('s_p:x'), -1, '_ is not a scheme character');
  t.equal(schemeEnd('s p:x'), -1);
  t.equal(schemeEnd('sip'), -1, 'no colon: no scheme');
  t.equal(schemeEnd(''), -1);
  t.equal(schemeEnd('<sip:x>', 1, 6), 4, 'within a range');
  t.equal(schemeEnd('<sip:x>', 1, 4), -1, 'the colon after the range does not count');
  t.equal(schemeEnd('<sip:x>', 4, 4), -1, 'an empty range');
  t.equal(parseUri('s_p:x'), null);
  t.equal(p('SiPs:x').scheme, 'sips', 'the scheme is case-insensitive, kept lower-case');
  t.equal(p('TEL:+1').scheme, 'tel');
  t.equal(parseUri('sipx:x@y'), null, 'only sip, sips and tel');
  t.equal(parseUri('sipx'), null, 'no scheme at all');
  t.equal(parseUri('sip'), null);
  t.equal(parseUri('si:x@y'), null);
});

t.test('lowerAscii lower-cases the ASCII letters A-Z only', async (t) => {
  t.equal(lowerAscii('A'), 'a');
  t.equal(lowerAscii('Z'), 'z');
  t.equal(lowerAscii('x.A'), 'x.a');
  t.equal(lowerAscii('@[`{'), '@[`{', 'the neighbours of the letters are not letters');
  t.equal(lowerAscii('abc'), 'abc');
  t.equal(lowerAscii('\xc9t\xe9'), '\xc9t\xe9', 'latin1 letters are not ASCII letters');
  t.equal(lowerAscii('1.\xc9'), '1.\xc9', 'nor are digits and dots beside them');
  t.equal(p('sip:x@a.Z').host, 'a.z', 'the host is lower-cased');
  t.equal(p('sip:x@A').host, 'a');
});

t.test('§19.1.1 userinfo: user, then an optional password after the first colon', async (t) => {
  const u = p('sip:al%20ice:pa:ss@example.com');
  t.equal(u.user, 'al%20ice', 'kept escaped');
  t.equal(u.password, 'pa:ss', 'a later colon belongs to the password');
  t.equal(p('sip:bob:@example.com').password, '', 'an empty password');
  t.equal(p('sip:bob@example.com').password, undefined);
  t.equal(parseUri('sip::pw@example.com'), null, 'an empty user');
  t.equal(parseUri('sip:a"b@example.com'), null, 'a quote is not allowed in the user');
  t.equal(parseUri('sip:a<b@example.com'), null);
  t.equal(parseUri('sip:ab@c@example.com'), null, 'a second @ is not a host character');
  const outside = parseUriRange('xsip:example.com>x@y', 1, 16);
  t.equal(outside?.host, 'example.com', 'an @ after the range is not the userinfo end');
  t.equal(outside?.user, undefined);
  t.equal(parseUriRange('sip:h@x', 0, 5)?.host, 'h', 'nor is an @ just at the end');
});

t.test('§19.1.1 host: hostname, IPv4 or IPv6 reference; port of at most 5 digits up to 65535', async (t) => {
  t.equal(p('sip:[::1]').host, '[::1]');
  t.equal(p('sip:[::FFFF:192.0.2.1]:5060').port, 5060);
  for (const bad of ['sip:[', 'sip:[::1', 'sip:[::1x', 'sip:[]', 'sip:[::g]', 'sip:[::1]x', 'sip:;lr', 'sip:a@;lr', 'sip:a@?x=1', 'sip:exa_mple.com']) {
    t.equal(parseUri(bad), null, bad);
  }
  t.equal(p('sip:x:65535').port, 65535);
  t.equal(p('sip:x:0').port, 0);
  t.equal(p('sip:x:9').port, 9);
  t.same(parseUriRange('sip:h:5', 0, 5), { scheme: 'sip', host: 'h', params: {}, headers: {} }, 'a colon past the end opens no port');
  t.equal(parseUriRange('sip:hostx', 0, 8)?.host, 'host', 'the host ends at the end');
  t.same(parseUriRange('sip:h?a=1', 0, 5), { scheme: 'sip', host: 'h', params: {}, headers: {} }, 'a ? past the end opens no headers');
  t.equal(p('sip:x:05060').port, 5060, 'five digits with a leading zero');
  for (const bad of ['sip:x:65536', 'sip:x:000005060', 'sip:x:5060a', 'sip:x:', 'sip:x:;lr', 'sip:x:-1']) t.equal(parseUri(bad), null, bad);
  t.same(p('sip:x:5060;lr').params, { lr: null }, 'parameters after the port');
});

t.test('§19.1.1 uri-parameters: names lower-cased, values as received', async (t) => {
  t.same(p('sip:x;TRANSPORT=UDP;Lr;maddr=192.0.2.1').params, { transport: 'UDP', lr: null, maddr: '192.0.2.1' });
  t.same(p('sip:x;a=b=c').params, { a: 'b=c' }, 'only the first = separates');
  t.same(p('sip:x;a=').params, { a: '' }, 'an empty value');
  t.same(p('sip:x;X-Custom=1').params, { 'x-custom': '1' }, 'an unknown name is lower-cased too');
  t.equal(p('sip:x;a@b').user, 'x;a', 'a ; before the @ belongs to the user');
  t.same(p('sip:x;a?h=v').headers, { h: 'v' }, 'headers after a valueless parameter');
  for (const bad of ['sip:x;', 'sip:x;;a', 'sip:x;=1', 'sip:u@x;a@b', 'sip:u@x;a=b@c', 'sip:x;a b', 'sip:x;a<b', 'sip:x;a=1x?"'])
    t.equal(parseUri(bad), null, bad);
});

t.test('§19.1.1 headers: ?hname=hvalue *( & hname=hvalue )', async (t) => {
  t.same(p('sip:x?Subject=hi&Priority=urgent').headers, { Subject: 'hi', Priority: 'urgent' }, 'names as received');
  t.same(p('sip:x?a').headers, { a: '' }, 'a header without a value');
  t.same(p('sip:x?a=b=c').headers, { a: 'b=c' });
  t.same(p('sip:x?a=1&&b=2').headers, { a: '1', b: '2' }, 'an empty element adds nothing');
  t.same(p('sip:x?a=1&').headers, { a: '1' });
  t.same(p('sip:x?').headers, {});
  for (const bad of ['sip:x?=v', 'sip:x?a=1&=2', 'sip:x?a b', 'sip:x?a="b"', 'sip:x?a=<b>', 'sip:x?a=1&b c']) t.equal(parseUri(bad), null, bad);
});

t.test('RFC 3966 tel: the number up to the first ; then parameters; no headers', async (t) => {
  const u = p('tel:+1-201-555-0123;ext=12;Phone-Context=example.com');
  t.equal(u.user, '+1-201-555-0123');
  t.same(u.params, { ext: '12', 'phone-context': 'example.com' });
  t.equal(u.host, '');
  t.equal(u.port, undefined);
  t.equal(p('tel:911').user, '911');
  t.equal(parseUriRange('tel:+12', 0, 6)?.user, '+1', 'the number ends at the end');
  for (const bad of ['tel:', 'tel:;x=1', 'tel:+1?x=1', 'tel:+1 2', 'tel:+1;', 'tel:+1<2']) t.equal(parseUri(bad), null, bad);
});

t.test('scanUriAfterScheme validates what parseUri would parse, without building it', async (t) => {
  t.ok(scanUriAfterScheme('sip:alice@example.com;lr?h=1', 3, false));
  t.ok(scanUriAfterScheme('tel:+1;ext=2', 3, true));
  t.notOk(scanUriAfterScheme('tel:+1;ext=2', 3, false), 'a tel number is no host');
  t.notOk(scanUriAfterScheme('sip:a b', 3, false));
  t.notOk(scanUriAfterScheme('tel:', 3, true));
  t.notOk(scanUriAfterScheme('tel:;a', 3, true));
  t.ok(scanUriAfterScheme('sip:example.com>', 3, false, 15), 'up to an end');
  t.notOk(scanUriAfterScheme('sip:example.com>', 3, false));
});

t.test('bareHost drops the brackets of an IPv6 reference only', async (t) => {
  t.equal(bareHost('[::1]'), '::1');
  t.equal(bareHost('example.com'), 'example.com');
  t.equal(bareHost('[::1'), '[::1');
  t.equal(bareHost('::1]'), '::1]');
});

t.test('formatUri writes each part in §19.1.1 order', async (t) => {
  t.equal(
    formatUri({ scheme: 'sip', user: 'a', password: 'b', host: 'h', port: 5, params: { x: null, y: '1' }, headers: { H: 'v', I: 'w' } }),
    'sip:a:b@h:5;x;y=1?H=v&I=w',
  );
  t.equal(formatUri({ scheme: 'sip', user: '', host: 'h', params: {}, headers: {} }), 'sip:h', 'an empty user writes no @');
  t.equal(formatUri({ scheme: 'sip', host: 'h', params: {}, headers: {} }), 'sip:h');
  t.equal(formatUri({ scheme: 'sip', host: 'h', params: { lr: undefined as unknown as null }, headers: {} }), 'sip:h;lr', 'an undefined value as no value');
  t.equal(formatUri({ scheme: 'tel', user: '+1', host: '', params: { ext: '2' }, headers: {} }), 'tel:+1;ext=2');
  t.equal(formatUri({ scheme: 'tel', host: '', params: {}, headers: {} }), 'tel:');
});

t.test('§19.1.2 escapes: %HH with two hex digits, either case', async (t) => {
  t.equal(unescapeUser('%41'), 'A', 'an escape at the very end');
  t.equal(unescapeUser('a%41b'), 'aAb');
  t.equal(unescapeUser('%2f%2F'), '//');
  t.equal(unescapeUser('%3a'), ':');
  t.equal(unescapeUser('%4'), '%4', 'one digit is no escape');
  for (const c of ['/', ':', '@', '`', 'G', 'g']) t.equal(unescapeUser(`%${c}0`), `%${c}0`, `${c} is not a hex digit`);
  for (const c of ['0', '9', 'a', 'f', 'A', 'F']) t.equal(unescapeUser(`%0${c}`).length, 1, `${c} is a hex digit`);
});

t.test('§19.1.4 comparison: every part counts, parameters and headers per their rules', async (t) => {
  const eq = (a: string, b: string) => uriEquals(p(a), p(b));
  t.ok(eq('sip:a:pw@h', 'sip:a:%70w@h'), 'passwords compared unescaped');
  t.notOk(eq('sip:a:pw@h', 'sip:a:px@h'), 'passwords differ');
  t.notOk(eq('sip:a:pw@h', 'sip:a@h'), 'a password on one side');
  t.notOk(eq('sip:a:@h', 'sip:a@h'), 'an empty password on one side');
  t.notOk(eq('sip:a@h', 'sip:a:@h'), 'an empty password on the other side');
  t.ok(eq('sip:a:@h', 'sip:a:@h'), 'an empty password on both');
  t.notOk(eq('sip:a@h', 'sip:b@h'), 'users differ');
  t.notOk(eq('sip:a@h', 'sip:h'), 'a user on one side');
  t.notOk(eq('sip:a@h', 'sip:a@g'), 'hosts differ');
  t.notOk(eq('sip:a@h:1', 'sip:a@h:2'), 'ports differ');
  for (const name of ['transport=udp', 'user=phone', 'ttl=1', 'method=INVITE', 'maddr=192.0.2.1']) {
    t.notOk(eq('sip:a@h', `sip:a@h;${name}`), `${name} on one side only`);
    t.notOk(eq(`sip:a@h;${name}`, 'sip:a@h'), `${name} on the other side only`);
    t.ok(eq(`sip:a@h;${name}`, `sip:a@h;${name.toUpperCase()}`), `${name} compared without case`);
  }
  t.ok(eq('sip:a@h;x=%41', 'sip:a@h;X=a'), 'parameter names and values unescaped and without case');
  t.notOk(eq('sip:a@h;x', 'sip:a@h;x=1'), 'a parameter with and without a value');
  t.notOk(eq('sip:a@h;x=ss', 'sip:a@h;x=%DF'), 'case folds ASCII letters only (0xDF is no "ss")');
  t.notOk(eq('sip:a@h?ss=1', 'sip:a@h?%DF=1'), 'in header names too');
  t.ok(eq('sip:a@h?Subject=A', 'sip:a@h?subject=A'), 'header names without case');
  t.notOk(eq('sip:a@h?subject=A', 'sip:a@h?subject=a'), 'header values with case');
  t.notOk(eq('sip:a@h?a=1', 'sip:a@h?b=1'), 'other header names');
  t.notOk(eq('sip:a@h?a=1&b=2', 'sip:a@h?a=1'), 'a header on one side');
  t.ok(eq('sip:a@h?a=%41', 'sip:a@h?a=A'), 'header values unescaped');
  t.notOk(eq('sip:%41@h', 'sip:a@h'), 'the user compared unescaped, with case');
  t.ok(eq('sip:%61@h', 'sip:a@h'));
});

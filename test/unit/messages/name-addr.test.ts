import t from 'tap';
import { formatNameAddr, parseContactList, parseNameAddr, type NameAddr } from '../../../src/core/messages/index.js';

t.test('name-addr form', async (t) => {
  t.same(parseNameAddr('"Alice Smith" <sip:alice@example.com>;tag=abc'), {
    displayName: 'Alice Smith',
    uri: 'sip:alice@example.com',
    params: { tag: 'abc' },
  });
  t.same(
    parseNameAddr('Bob <sips:bob@example.com;transport=tls>'),
    {
      displayName: 'Bob',
      uri: 'sips:bob@example.com;transport=tls',
      params: {},
    },
    'URI params stay inside the URI',
  );
  t.same(parseNameAddr('<sip:x@example.com>'), { uri: 'sip:x@example.com', params: {} });
  t.equal(parseNameAddr('"a \\"quoted\\" \\\\ name" <sip:x@y.com>')?.displayName, 'a "quoted" \\ name');
  t.same(
    parseNameAddr(' <sip:x@y.com> ; Expires = 60 ;Q=0.5; +sip.instance="<urn:uuid:1-2>" ')?.params,
    { expires: '60', q: '0.5', '+sip.instance': '"<urn:uuid:1-2>"' },
    'LWS around ; and =, names lower-cased, quoted values kept',
  );
  t.equal(parseNameAddr('"J\xc3\xb6rg" <sip:j@example.com>')?.displayName, 'J\xc3\xb6rg', 'UTF-8 bytes kept');
  t.same(parseNameAddr('<sip:[2001:db8::1]:5060>;received=[2001:db8::2]')?.params, { received: '[2001:db8::2]' });
});

t.test('addr-spec form: everything after ; is a header param', async (t) => {
  t.same(parseNameAddr('sip:alice@example.com;tag=xyz;lr'), { uri: 'sip:alice@example.com', params: { tag: 'xyz', lr: null } });
  t.same(parseNameAddr('tel:+15551234'), { uri: 'tel:+15551234', params: {} });
  t.same(parseNameAddr('urn:service:sos'), { uri: 'urn:service:sos', params: {} }, 'other schemes are opaque');
});

t.test('malformed values', async (t) => {
  for (const bad of [
    '',
    '   ',
    '"unterminated <sip:a@b.com>',
    '"Mr. J. User <sip:j.user@example.com>',
    '< sip:a@b.com >',
    'Bell, Alexander <sip:a@b.com>',
    'sip:user@example.com?Route=%3Csip:x%3E',
    '<sip:a@b.com',
    'sip:a@b.com;;tag=1',
    'no-scheme',
    '<sip:a@b.com> junk',
    '<sip:a @b.com>',
    'sip:a@b.com;tag="open',
    '"x"sip:a@b.com',
    '<sip:a@b.com>;;',
  ]) {
    t.equal(parseNameAddr(bad), null, JSON.stringify(bad));
  }
  t.ok(parseNameAddr('<sip:a@b.com>;tag'), 'valueless param is fine');
  t.notOk(parseNameAddr('<sip:a@b.com>;tag='), 'empty value is not');
});

t.test('formatNameAddr always uses <>', async (t) => {
  const n: NameAddr = { displayName: 'Alice "A"', uri: 'sip:alice@example.com', params: { tag: '1', lr: null } };
  t.equal(formatNameAddr(n), '"Alice \\"A\\"" <sip:alice@example.com>;tag=1;lr');
  t.equal(formatNameAddr({ uri: 'sip:a@b.com', params: {} }), '<sip:a@b.com>');
  t.same(parseNameAddr(formatNameAddr(n)), n, 'round trip');
  const addrSpec = parseNameAddr('sip:a@b.com;tag=9')!;
  t.equal(formatNameAddr(addrSpec), '<sip:a@b.com>;tag=9');
});

t.test('parseContactList', async (t) => {
  t.equal(parseContactList('*'), '*');
  t.equal(parseContactList([' * ']), '*');
  t.equal(parseContactList(['*', '<sip:a@b.com>']), null, '* must be alone');
  t.equal(parseContactList('*, <sip:a@b.com>'), null);
  const list = parseContactList(['<sip:a@b.com>;expires=3600;q=0.7, "B, C" <sip:b@c.com>;q=0.3', 'sip:d@e.com;expires=0']);
  t.ok(Array.isArray(list));
  const arr = list as NameAddr[];
  t.equal(arr.length, 3);
  t.same(
    arr.map((c) => [c.uri, c.params['expires'] ?? null, c.params['q'] ?? null]),
    [
      ['sip:a@b.com', '3600', '0.7'],
      ['sip:b@c.com', null, '0.3'],
      ['sip:d@e.com', '0', null],
    ],
  );
  t.equal(arr[1]?.displayName, 'B, C', 'comma inside quotes does not split');
  t.same(parseContactList([]), []);
  t.equal(parseContactList(['<sip:a@b.com>, Bell, Alexander <sip:x@y.com>']), null);
  t.equal(parseContactList('sip:user@example.com?Route=%3Csip:sip.example.com%3E'), null);
});

// CSeq, credentials/challenges and comma lists.
import t from 'tap';
import { formatChallenge, parseCSeq, parseCredentials, splitList } from '../../../src/core/messages/index.js';

t.test('parseCSeq', async (t) => {
  t.same(parseCSeq('4711 INVITE'), { seq: 4711, method: 'INVITE' });
  t.same(parseCSeq('  0009 \r\n  INVITE '), { seq: 9, method: 'INVITE' }, 'leading zeros and LWS');
  t.same(parseCSeq('0 REGISTER'), { seq: 0, method: 'REGISTER' });
  t.same(parseCSeq('2147483647 ACK'), { seq: 2147483647, method: 'ACK' });
  t.equal(parseCSeq('2147483648 ACK'), null, 'must be < 2**31');
  t.equal(parseCSeq('36893488147419103232 REGISTER'), null);
  for (const bad of ['', 'INVITE', '12', '12INVITE', '-1 INVITE', '1 INVITE extra', '1.5 INVITE', '1 INV"ITE']) {
    t.equal(parseCSeq(bad), null, JSON.stringify(bad));
  }
  t.same(parseCSeq("139122385 !interesting-Method0123456789_*+`.%indeed'~")?.method, "!interesting-Method0123456789_*+`.%indeed'~");
});

t.test('parseCredentials', async (t) => {
  const c = parseCredentials(
    'Digest username="bob", realm="biloxi.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="sip:bob@biloxi.com", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", ' +
      'opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=SHA-256',
  );
  t.equal(c?.scheme, 'Digest');
  t.same(c?.params, {
    username: 'bob',
    realm: 'biloxi.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    uri: 'sip:bob@biloxi.com',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
    response: '6629fae49393a05397450978507c4ef1',
    opaque: '5ccc069c403ebaf9f0171e9517f40e41',
    algorithm: 'SHA-256',
  });
  t.same(
    parseCredentials('Digest USERNAME = "a\\"b\\\\c" ,Realm="x,y"')?.params,
    { username: 'a"b\\c', realm: 'x,y' },
    'names lower-cased, escapes undone, comma in quotes',
  );
  t.same(parseCredentials('Digest realm="a"\r\n , nonce="b"')?.params, { realm: 'a', nonce: 'b' }, 'folded');
  t.same(parseCredentials('NoOneKnowsThisScheme opaque-data=here'), { scheme: 'NoOneKnowsThisScheme', params: { 'opaque-data': 'here' } });
  t.same(parseCredentials('Digest'), { scheme: 'Digest', params: {} });
  for (const bad of ['', 'Digest realm', 'Digest realm="x', 'Digest realm="x",', 'Digest ,realm=x', 'Digest realm=x nonce=y', '"Digest" realm=x']) {
    t.equal(parseCredentials(bad), null, JSON.stringify(bad));
  }
});

t.test('formatChallenge', async (t) => {
  const s = formatChallenge('Digest', [
    ['realm', 'example.com', true],
    ['nonce', 'a"b', true],
    ['algorithm', 'SHA-256', false],
    ['qop', 'auth', true],
  ]);
  t.equal(s, 'Digest realm="example.com", nonce="a\\"b", algorithm=SHA-256, qop="auth"');
  t.same(parseCredentials(s)?.params, { realm: 'example.com', nonce: 'a"b', algorithm: 'SHA-256', qop: 'auth' }, 'round trip');
});

t.test('splitList', async (t) => {
  t.same(splitList('a, b,c'), ['a', 'b', 'c']);
  t.same(splitList(' , a ,, b , '), ['a', 'b'], 'empty elements dropped');
  t.same(splitList('"x, y" <sip:a@b.com>;q=1, <sip:c,d@e.com>'), ['"x, y" <sip:a@b.com>;q=1', '<sip:c,d@e.com>']);
  t.same(splitList('"a \\", b" <sip:x@y.com>, c'), ['"a \\", b" <sip:x@y.com>', 'c'], 'escaped quote inside quotes');
  t.same(splitList('Digest realm="a,b", nonce=1'), ['Digest realm="a,b"', 'nonce=1']);
  t.same(splitList(''), []);
  t.same(splitList('single'), ['single']);
});

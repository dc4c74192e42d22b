import t from 'tap';
import { parseCredentials } from '../../../src/core/messages/index.js';
import { parseCredentialsRange } from '../../../src/core/messages/headers/auth.js';

/** Credentials and challenges (RFC 3261 §25.1: auth-scheme LWS auth-param *(COMMA auth-param); RFC 7616) at the edges. */

t.test('LWS after the scheme and around = and , (tabs and folded lines too)', async (t) => {
  t.same(parseCredentials('Digest\trealm=x'), { scheme: 'Digest', params: { realm: 'x' } });
  t.same(parseCredentials('  Digest  realm = x\t,\r\n nonce= "n" '), { scheme: 'Digest', params: { realm: 'x', nonce: 'n' } });
  t.same(parseCredentials('Digest a=b ,c=d')?.params, { a: 'b', c: 'd' }, 'a token value ends at a blank');
  t.same(parseCredentials('Digest a=b\t,c=d')?.params, { a: 'b', c: 'd' }, 'or a tab');
  t.same(parseCredentials('Digest a=b\r\n ,c=d')?.params, { a: 'b', c: 'd' }, 'or a line break');
  t.same(parseCredentials('Digest a=b,c=d')?.params, { a: 'b', c: 'd' }, 'or a comma');
  t.same(parseCredentials('Digest   '), { scheme: 'Digest', params: {} }, 'a scheme with trailing blanks only');
});

t.test('quoted values: escapes undone, the first unescaped quote ends them', async (t) => {
  t.same(parseCredentials('Digest a="x", b="y\\z"')?.params, { a: 'x', b: 'yz' }, 'an escape in one value leaves the other as is');
  t.same(parseCredentials('Digest a="q\\"", b=1')?.params, { a: 'q"', b: '1' });
  t.same(parseCredentials('Digest a=""')?.params, { a: '' }, 'an empty quoted value');
  for (const bad of [
    'Digest a="x\\',
    'Digest a="x\\"',
    'Digest a="x',
    'Digest a="b" c',
    'Digest a="b",',
    'Digest a="b",  ',
    'Digest a=',
    'Digest a=,b=c',
    'Digest a = ',
    'Digest =b',
    'Digest a',
    'Digest "a"=b',
  ]) {
    t.equal(parseCredentials(bad), null, JSON.stringify(bad));
  }
});

t.test('parsed within bounds', async (t) => {
  const s = 'Authorization: Digest realm="r", nonce="n"\r\nX: "\\"';
  const end = s.indexOf('\r');
  t.same(parseCredentialsRange(s, 15, end), { scheme: 'Digest', params: { realm: 'r', nonce: 'n' } });
  t.equal(parseCredentialsRange('Digest realm="r"x"', 0, 15), null, 'a closing quote past the end does not close');
  t.equal(parseCredentialsRange('Digest realm="\\r"x"', 0, 16), null, 'nor with escapes');
  t.same(parseCredentialsRange('Digest realm="\\r"x"', 0, 17)?.params, { realm: 'r' }, 'the closing quote at the end does');
  t.same(parseCredentialsRange('Digest realm=rr', 0, 14), { scheme: 'Digest', params: { realm: 'r' } }, 'a token value ends at the end');
  t.same(parseCredentialsRange('Digest realm=r,x', 0, 14), { scheme: 'Digest', params: { realm: 'r' } });
  t.equal(parseCredentialsRange('Digest realm=r, x=1', 0, 15), null, 'a comma with nothing after it up to the end');
});

t.test('§25.1 auth-param = auth-param-name EQUAL ( token / quoted-string ): the = is required', async (t) => {
  for (const bad of ['Digest a bc', 'Digest realm xyz', 'Digest a=1, b cd', 'Digest a;b']) t.equal(parseCredentials(bad), null, JSON.stringify(bad));
});

t.test('a token value ends at a bare LF too (a folded line)', async (t) => {
  t.same(parseCredentials('Digest a=b\n ,c=d')?.params, { a: 'b', c: 'd' });
  t.same(parseCredentials('Digest a=b\n')?.params, { a: 'b' });
});

t.test('the scheme ends at the end of the range', async (t) => {
  t.same(parseCredentialsRange('Digest realm=r', 0, 6), { scheme: 'Digest', params: {} });
  t.same(parseCredentialsRange('Digestx', 0, 6), { scheme: 'Digest', params: {} });
  t.same(parseCredentialsRange('xBasic', 1, 6), { scheme: 'Basic', params: {} });
});

// Parameter names (RFC 3261 §25.1 generic-param: token, compared case-insensitively §7.3.1)
// as the header parsers read them: lower-cased, well-known ones as constant strings.
import t from 'tap';
import { paramName, paramNameMisses, scanParamName } from '../../../src/core/messages/headers/param-names.js';

const KNOWN = ['branch', 'received', 'rport', 'tag', 'expires', 'q', 'qop', 'nc', 'nonce', 'nextnonce', '+sip.instance', 'reg-id', 'lr', 'transport'];

t.test('paramName lower-cases A to Z only, within the range given', async (t) => {
  t.equal(paramName('BRANCH', 0, 6), 'branch');
  t.equal(paramName('Tag', 0, 3), 'tag');
  t.equal(paramName(';x;Branch=1', 3, 9), 'branch', 'a range inside the text');
  t.equal(paramName('AZaz', 0, 4), 'azaz', 'both ends of A-Z');
  t.equal(paramName('@[`{', 0, 4), '@[`{', 'the characters just outside A-Z and a-z are kept');
  t.equal(paramName('xZ', 0, 2), 'xz', 'a Z as the only capital');
  t.equal(paramName('X-Custom', 0, 8), 'x-custom', 'an unknown name is lower-cased too');
  t.equal(paramName('x-custom', 0, 8), 'x-custom');
  t.equal(paramName('abc', 1, 1), '', 'an empty range');
});

t.test('a known name is found only when the whole name matches, whatever the case', async (t) => {
  for (const k of KNOWN) {
    t.equal(paramName(k.toUpperCase(), 0, k.length), k, k);
    t.equal(paramName(k + 'x', 0, k.length + 1), k + 'x', `${k} with a character after it`);
    t.equal(paramName('x' + k, 0, k.length + 1), 'x' + k, `${k} with a character before it`);
    t.equal(paramName(k, 0, k.length - 1), k.slice(0, -1), `${k} cut short`);
  }
});

t.test('a name of the same length as a known one, one character apart, is itself', async (t) => {
  // Every one-character change of every known name: many land on a slot of the
  // table whose probe passes a known name of the same length.
  const wrong: string[] = [];
  for (const k of KNOWN) {
    for (let i = 0; i < k.length; i++) {
      for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789-.') {
        const v = k.slice(0, i) + c + k.slice(i + 1);
        if (KNOWN.includes(v)) continue;
        if (paramName(v, 0, v.length) !== v) wrong.push(`${v} read as ${paramName(v, 0, v.length)}`);
        if (scanParamName(v.toUpperCase() + '=1', 0, v.length + 2) !== v)
          wrong.push(`${v} scanned as ${scanParamName(v.toUpperCase() + '=1', 0, v.length + 2)}`);
      }
    }
  }
  t.same(wrong, []);
});

t.test('scanParamName reads the token at the start, up to a non-token character or the end', async (t) => {
  t.equal(scanParamName('Branch=z9hG4bK', 0, 14), 'branch');
  t.equal(scanParamName('lr;x', 0, 4), 'lr');
  t.equal(scanParamName('x;TRANSPORT', 2, 11), 'transport', 'from an offset to the end');
  t.equal(scanParamName('received', 0, 7), 'receive', 'the end of the range ends it');
  t.equal(scanParamName('=x', 0, 2), '', 'no token character at the start');
  t.equal(scanParamName('', 0, 0), '');
  t.equal(scanParamName('AZaz@', 0, 5), 'azaz', 'A and Z are lower-cased, @ is not a token character');
  t.equal(scanParamName("a.!%*_+`'~-Q x", 0, 14), "a.!%*_+`'~-q", 'every token punctuation character');
  t.equal(scanParamName('Ab[', 0, 3), 'ab', '[ ends it');
  t.equal(scanParamName('xZ;', 0, 3), 'xz', 'a Z as the only capital');
});

// What the parsers meet most: Via, URI and header parameters, then digest ones (RFC 7616, RFC 8760).
const WELL_KNOWN = [
  ...['branch', 'received', 'rport', 'maddr', 'ttl', 'transport', 'lr', 'user', 'method', 'tag', 'expires', 'q', '+sip.instance'],
  ...['reg-id', 'ob', 'alias', 'gr', 'pub-gruu', 'temp-gruu', '+sip.ice', 'methods', 'keep', 'phone-context', 'isub', 'ext'],
  ...['cause', 'text', 'reason', 'duration', 'handling', 'purpose', 'boundary', 'charset'],
  ...['username', 'realm', 'nonce', 'uri', 'response', 'algorithm', 'cnonce', 'opaque', 'qop', 'nc', 'stale', 'domain'],
  ...['userhash', 'nextnonce', 'rspauth', 'auts'],
];

t.test('a well-known name is found in the table, in any case, by both readers; no other name is', async (t) => {
  const missed = (read: () => string) => {
    const before = paramNameMisses();
    read();
    return paramNameMisses() - before;
  };
  const notFound: string[] = [];
  for (const k of WELL_KNOWN) {
    for (const spelling of [k, k.toUpperCase(), k[0]!.toUpperCase() + k.slice(1)]) {
      const text = `;${spelling}=1`;
      if (missed(() => paramName(text, 1, 1 + k.length)) !== 0) notFound.push(`paramName ${spelling}`);
      if (missed(() => scanParamName(text, 1, text.length)) !== 0) notFound.push(`scanParamName ${spelling}`);
    }
  }
  t.same(notFound, [], 'every well-known name found');
  for (const other of ['x-custom', 'BRANCHX', 'branc', 'tga', 'Q1', 'nonces']) {
    t.equal(
      missed(() => paramName(other, 0, other.length)),
      1,
      `${other} is not in the table`,
    );
    t.equal(
      missed(() => scanParamName(other, 0, other.length)),
      1,
      `${other} is not in the table (scanned)`,
    );
  }
  t.equal(
    missed(() => scanParamName('=x', 0, 2)),
    0,
    'no name: no look-up',
  );
});

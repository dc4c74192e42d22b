import t from 'tap';
import { splitList } from '../../../src/core/messages/index.js';
import { formatParams, parseParams } from '../../../src/core/messages/headers/params.js';

/** Header parameters (RFC 3261 §25.1 generic-param, with LWS around ; and =) and comma lists (§7.3.1). */
function params(s: string): { at: number; out: Record<string, string | null> } {
  const out: Record<string, string | null> = {};
  return { at: parseParams(s, 0, s.length, out), out };
}

t.test('generic-param = token [ EQUAL gen-value ]; gen-value = token / host / quoted-string', async (t) => {
  t.same(params(' ; Tag = ab ; lr ;x="q ; r"'), { at: 27, out: { tag: 'ab', lr: null, x: '"q ; r"' } }, 'LWS around ; and =, names lower-cased');
  t.same(params(';received=[2001:db8::1];rport=5060'), { at: 34, out: { received: '[2001:db8::1]', rport: '5060' } }, 'an IPv6 host value');
  t.same(params(";a=-.!%*_+`'~b"), { at: 14, out: { a: "-.!%*_+`'~b" } }, 'every token character in a value');
  t.same(params(''), { at: 0, out: {} }, 'no parameters');
  t.same(params('   '), { at: 3, out: {} }, 'only blanks');
});

t.test('parsing stops at a character that opens no parameter, and refuses a broken one', async (t) => {
  t.same(params(';a=b c'), { at: 5, out: { a: 'b' } }, 'stops at the c');
  t.same(params(';a=b, x'), { at: 4, out: { a: 'b' } }, 'stops at a comma');
  t.same(params(';a=b>'), { at: 4, out: { a: 'b' } });
  for (const bad of [';', '; ', ';=b', ';a=', ';a= ', ';a="open', ';a;;b', ';a=b;', ';@']) t.equal(params(bad).at, -1, JSON.stringify(bad));
  t.equal(parseParams('x;a=1', 1, 5, {}), 5, 'from an offset');
  t.equal(parseParams(';a=1;b=2', 0, 4, {}), 4, 'up to an end');
  const valueless: Record<string, string | null> = {};
  t.equal(parseParams(';a=1', 0, 2, valueless), 2, 'an = past the end opens no value');
  t.same(valueless, { a: null });
  const cut: Record<string, string | null> = {};
  parseParams(';a=123', 0, 4, cut);
  t.same(cut, { a: '1' }, 'the value ends at the end');
});

t.test('without an output the same syntax is checked', async (t) => {
  for (const s of [' ; Tag = ab ; lr ;x="q"', ';a=b c', '', ';received=[::1]']) t.equal(parseParams(s, 0, s.length, null), params(s).at, JSON.stringify(s));
  for (const bad of [';', ';=b', ';a=', ';a="open', ';a=b;', ';@']) t.equal(parseParams(bad, 0, bad.length, null), -1, JSON.stringify(bad));
  t.equal(parseParams(';a;b', 0, 2, null), 2, 'a name ends at the end');
});

t.test('formatParams writes ;name or ;name=value in order', async (t) => {
  t.equal(formatParams({ branch: 'z9hG4bK1', lr: null, rport: '' }), ';branch=z9hG4bK1;lr;rport=');
  t.equal(formatParams({ a: undefined as unknown as null }), ';a', 'an undefined value as no value');
  t.equal(formatParams({}), '');
});

t.test('§7.3.1 a comma separates list elements except inside quotes or <>', async (t) => {
  t.same(splitList('<sip:a@b;x=1,2>, <sip:c@d>'), ['<sip:a@b;x=1,2>', '<sip:c@d>']);
  t.same(splitList('"a\\\\", b'), ['"a\\\\"', 'b'], 'an escaped backslash does not escape the closing quote');
  t.same(splitList('"unterminated, x'), ['"unterminated, x'], 'an unterminated quote runs to the end');
  t.same(splitList('a,\tb\r\n ,c'), ['a', 'b', 'c'], 'tabs and folded line breaks are blanks');
  t.same(splitList(' \t '), [], 'blanks only');
  t.same(splitList('x,'), ['x']);
  t.same(splitList(',x'), ['x']);
  t.same(splitList('a>b,c'), ['a>b', 'c'], 'a > closes no <');
  t.same(splitList('<a,b>c,d'), ['<a,b>c', 'd']);
  const one = 'alone';
  t.same(splitList(one), [one], 'a value without commas is one element');
});

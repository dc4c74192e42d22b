// The character-level helpers of the header parsers (RFC 3261 §25.1: LWS,
// quoted-string, quoted-pair) at their edges.
import t from 'tap';
import { formatNameAddr, parseNameAddr } from '../../../src/core/messages/index.js';
import { isWs, quote, skipQuoted, skipWs, trimEnd, unquote } from '../../../src/core/messages/headers/chars.js';

t.test('§25.1 LWS: SP, HTAB, CR and LF are blanks; nothing else is', async (t) => {
  for (const c of [' ', '\t', '\r', '\n']) t.ok(isWs(c.charCodeAt(0)), JSON.stringify(c));
  for (const c of ['\v', '\f', '\x00', 'a', '\xa0', '\x08', '\x0e', '!']) t.notOk(isWs(c.charCodeAt(0)), JSON.stringify(c));
  t.equal(skipWs(' \t\r\n x', 0, 7), 5);
  t.equal(skipWs('   x', 1, 2), 2, 'stops at the end of the range');
  t.equal(skipWs('abc', 3, 3), 3);
  t.equal(trimEnd('x \t\r\n', 0, 5), 1);
  t.equal(trimEnd('   ', 1, 3), 1, 'stops at the start of the range');
  t.equal(trimEnd('ab  ', 0, 3), 2);
});

t.test('§25.1 quoted-string: the closing quote within the range; quoted-pair = "\\" %x00-09 / %x0B-0C / %x0E-7F', async (t) => {
  t.equal(skipQuoted('"abc"', 0, 5), 5);
  t.equal(skipQuoted('"abc"', 0, 4), -1, 'the closing quote past the end');
  t.equal(skipQuoted('"a\\"b"', 0, 6), 6, 'an escaped quote does not close');
  t.equal(skipQuoted('"a\\\\"b"', 0, 7), 5, 'an escaped backslash does not escape the quote');
  t.equal(skipQuoted('"a\\"', 0, 4), -1, 'an escape as the last character');
  t.equal(skipQuoted('"a\\"b"x', 0, 5), -1, 'the escaping scan stops at the end too');
  t.equal(skipQuoted('"a\\\x7fb"', 0, 6), 6, 'DEL may be escaped');
  for (const bad of ['\r', '\n', '\x80', '\xe9', '\xff']) t.equal(skipQuoted(`"a\\${bad}b"`, 0, 6), -1, `not ${JSON.stringify(bad)}`);
  for (const ok of ['\x00', '\t', '\x0b', '\x0c', '\x0e', ' ', '"', '\\']) t.equal(skipQuoted(`"a\\${ok}b"`, 0, 6), 6, JSON.stringify(ok));
  t.equal(skipQuoted('x"a\\b"', 1, 6), 6, 'a quoted-string not at index 0');
  t.equal(skipQuoted('"\\a"\\', 0, 5), 4, 'a backslash after the closing quote is not read');
});

t.test('unquote undoes quoted-pairs', async (t) => {
  t.equal(unquote('"abc"'), 'abc');
  t.equal(unquote('"a\\"b\\\\c"'), 'a"b\\c');
  t.equal(unquote('"\\a\\b"'), 'ab');
  t.equal(unquote('"ab\\"'), 'ab\\', 'a lone trailing backslash is kept');
  t.equal(unquote('""'), '');
});

t.test('quote escapes ", \\ and control characters but HTAB; a display name survives formatting and parsing', async (t) => {
  t.equal(quote('a"b'), '"a\\"b"');
  t.equal(quote('a\\b'), '"a\\\\b"');
  t.equal(quote('a\tb'), '"a\tb"', 'a tab as it is');
  t.equal(quote('a\x01b\x1fc\x7fd'), '"a\\\x01b\\\x1fc\\\x7fd"');
  t.equal(quote(' ~\x20'), '" ~ "', 'printable characters as they are');
  t.equal(quote(''), '""');
  for (const name of ['Alice "Al" Smith', 'back\\slash', 'tab\there', 'del\x7f', 'J\xc3\xb6rg']) {
    const text = formatNameAddr({ displayName: name, uri: 'sip:a@example.com', params: {} });
    t.equal(parseNameAddr(text)?.displayName, name, JSON.stringify(name));
  }
});

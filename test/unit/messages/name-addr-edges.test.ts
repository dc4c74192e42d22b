import t from 'tap';
import { formatNameAddr, parseContactList, parseMessage, parseNameAddr } from '../../../src/core/messages/index.js';
import { ContactScan, parseNameAddrRange } from '../../../src/core/messages/headers/name-addr.js';
import { MINIMAL_OPTIONS } from './parser-fixtures.js';

/** name-addr / addr-spec (RFC 3261 §20.10, §25.1) and Contact lists (§20.10, §10.2.2) at the edges. */

t.test('§25.1 display-name = *(token LWS) / quoted-string', async (t) => {
  t.equal(parseNameAddr('  Mr  Bob\t<sip:b@example.com>')?.displayName, 'Mr  Bob', 'token words, trimmed, inner blanks kept');
  t.equal(parseNameAddr("a-.!%*_+`'~ <sip:b@example.com>")?.displayName, "a-.!%*_+`'~", 'every token character');
  t.notOk('displayName' in (parseNameAddr('<sip:b@example.com>') ?? {}), 'no display name');
  t.notOk('displayName' in (parseNameAddr('  <sip:b@example.com>') ?? {}), 'blanks are no display name');
  t.equal(parseNameAddr('"" <sip:b@example.com>')?.displayName, '', 'an empty quoted name');
  t.equal(parseNameAddr('"A"<sip:b@example.com>')?.displayName, 'A', 'no blank needed after the quotes');
  t.equal(parseNameAddr('"A" junk <sip:b@example.com>'), null, 'nothing between the quotes and <');
  t.equal(parseNameAddr('"A"'), null, 'a display name needs a URI');
  t.equal(parseNameAddr('Bob@home <sip:b@example.com>'), null, '@ is no token character');
  t.equal(formatNameAddr({ displayName: '', uri: 'sip:b@example.com', params: {} }), '<sip:b@example.com>', 'an empty name is not written');
});

t.test('§20.10 the URI of a name-addr: <>-enclosed, sip/sips/tel fully parsed, others opaque without blanks', async (t) => {
  t.equal(parseNameAddrRange('<sip:a@b.com>', 0, 12), null, 'the > after the range does not close');
  t.equal(parseNameAddrRange('<sip:a@b.com>;tag=1', 0, 13)?.uri, 'sip:a@b.com');
  for (const bad of ['<sip:>', '<x:>', '<:x>', '<urn:a b>', '<urn:a"b>', '<urn:a\x7fb>', '<urn:a<b>', '<urn:a\tb>', '<urn:\x00>']) {
    t.equal(parseNameAddr(bad), null, JSON.stringify(bad));
  }
  t.equal(parseNameAddr('<urn:!~>')?.uri, 'urn:!~', 'printable characters in an opaque URI');
  t.equal(parseNameAddr('<urn:\xe9>')?.uri, 'urn:\xe9', 'and bytes above 127');
  // An unparsable sip/sips/tel URI is refused; the same text under another scheme is opaque.
  for (const [strict, opaque] of [
    ['sip:[', ['xip:[', 'sxp:[', 'six:[', 'si:[', 'sipx:[']],
    ['SIP:[', ['SIX:[']],
    ['sips:[', ['xips:[', 'sxps:[', 'sixs:[', 'sipx:[', 'sipsx:[']],
    ['SiPs:[', ['SiPx:[']],
    ['tel:;x', ['xel:;x', 'txl:;x', 'tex:;x', 'te:;x', 'tels:;x']],
    ['TEL:;x', ['TEX:;x']],
  ] as const) {
    t.equal(parseNameAddr(`<${strict}>`), null, `${strict} must parse`);
    for (const o of opaque) t.equal(parseNameAddr(`<${o}>`)?.uri, o, `${o} is opaque`);
  }
});

t.test('§20 addr-spec: the URI ends at the first ;, and may hold no , ? < > or "', async (t) => {
  t.same(parseNameAddr('sip:a@b.com ;tag=1'), { uri: 'sip:a@b.com', params: { tag: '1' } }, 'blanks before the ; trimmed');
  t.same(parseNameAddr('sip:a@b.com  '), { uri: 'sip:a@b.com', params: {} }, 'trailing blanks trimmed');
  for (const c of [',', '?', '<', '>', '"']) t.equal(parseNameAddr(`sip:a@b.com${c}x`), null, `${c} needs <>`);
  t.equal(parseNameAddr('urn:a b'), null, 'an opaque URI with a blank');
  t.equal(parseNameAddr('sip:a@b.com;tag=1 x'), null, 'junk after the parameters');
});

t.test('§20.10 Contact: * alone, or a list; trimming as String.prototype.trim', async (t) => {
  t.same(parseContactList(['<sip:a@b.com>\xa0']), [{ uri: 'sip:a@b.com', params: {} }], 'a no-break space around one element is trimmed');
  t.same(parseContactList(['\v\f<sip:a@b.com>\r\n']), [{ uri: 'sip:a@b.com', params: {} }], 'so are VT and FF');
  t.equal(parseContactList(['\x08<sip:a@b.com>']), null, 'a backspace is not');
  t.equal(parseContactList(['<sip:a@b.com>\x0e']), null, 'nor SO');
  t.same(parseContactList(['', '  ']), [], 'empty values add nothing');
  t.equal(parseContactList('*, *'), null, 'two wildcards');
  t.equal(parseContactList(['*', '*']), null);
  t.equal(parseContactList('**'), null, '** is no wildcard');
  t.equal(parseContactList(['<sip:a@b.com>', 'junk']), null, 'one malformed value spoils the list');
  t.same(parseContactList(['<sip:a@b.com>, <sip:c@d.com>', '<sip:e@f.com>']), [
    { uri: 'sip:a@b.com', params: {} },
    { uri: 'sip:c@d.com', params: {} },
    { uri: 'sip:e@f.com', params: {} },
  ]);
});

t.test('ContactScan reads values in place, within their bounds', async (t) => {
  const scan = new ContactScan(true);
  t.ok(scan.add('x<sip:a@b.com>, junk', 1, 14), 'a comma after the end is not part of the value');
  t.same(scan.result(), [{ uri: 'sip:a@b.com', params: {} }]);
  const check = new ContactScan(false);
  t.ok(check.add('<sip:a@b.com>, <sip:c@d.com>', 0, 28));
  t.equal(check.result(), true, 'a valid list when not building it');
  t.notOk(new ContactScan(false).add('<sip:a@b.com>, <sip:c d>', 0, 24), 'checked as when building');
  t.notOk(new ContactScan(false).add('<sip:c d>', 0, 9));
  const star = new ContactScan(false);
  t.ok(star.add(' * ', 0, 3));
  t.equal(star.result(), '*');
  const stars = new ContactScan(false);
  t.ok(stars.add('*', 0, 1));
  t.ok(stars.add('<sip:a@b.com>', 0, 13));
  t.equal(stars.result(), null, '* among others');
});

t.test('§20 an addr-spec with a comma needs <> even when its scheme is opaque', async (t) => {
  t.equal(parseNameAddr('urn:a,b'), null);
  t.equal(parseNameAddr('<urn:a,b>')?.uri, 'urn:a,b');
});

t.test('§20.10 after a quoted display name comes <, nothing else', async (t) => {
  t.equal(parseNameAddr('"A" xsip:a@b.com>'), null, 'a stray character where < belongs');
  t.equal(parseNameAddr('"A"sip:a@b.com'), null, 'an addr-spec after a quoted name');
});

t.test('§20.10 Contact given as one string, and one-character elements', async (t) => {
  t.same(parseContactList('<sip:a@b.com>;expires=60'), [{ uri: 'sip:a@b.com', params: { expires: '60' } }], 'a string is one value, not a list of characters');
  t.same(parseContactList('<sip:a@b.com>, <sip:c@d.com>'), [
    { uri: 'sip:a@b.com', params: {} },
    { uri: 'sip:c@d.com', params: {} },
  ]);
  t.equal(parseContactList('x'), null, 'a one-character element other than * is no wildcard');
  t.equal(parseContactList(['<sip:a@b.com>', 'x']), null);
  t.same(parseContactList(['\t']), [], 'a value of a tab only is empty');
  t.same(parseContactList(['\r']), [], 'so is one of a CR only');
  t.same(parseContactList(',<sip:a@b.com>'), parseContactList('<sip:a@b.com>,'), 'an empty element is dropped at the start as at the end');
  t.same(parseContactList(',<sip:a@b.com>'), [{ uri: 'sip:a@b.com', params: {} }]);
});

t.test('§20.10 an empty Contact line of a received message adds nothing, whatever follows it', async (t) => {
  const m = parseMessage(
    Buffer.from([...MINIMAL_OPTIONS, 'Contact:', 'Contact: <sip:a@192.0.2.1>', 'Contact:   ', 'Subject: x', '', ''].join('\r\n'), 'latin1'),
  );
  t.same(m.contacts(), [{ uri: 'sip:a@192.0.2.1', params: {} }]);
  const scan = new ContactScan(true);
  t.ok(scan.add('x  \t<sip:a@b.com>', 1, 1), 'an empty range followed by blanks');
  t.same(scan.result(), []);
});

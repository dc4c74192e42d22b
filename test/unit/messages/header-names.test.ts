import t from 'tap';
import { Headers, SipRequest, parseMessage } from '../../../src/core/messages/index.js';
import { canonicalKey, classifyName, displayNameOf, equalsLower, idOfKey, lowerNameOf } from '../../../src/core/messages/header-names.js';
import { MINIMAL_OPTIONS } from './parser-fixtures.js';

/**
 * Header names (RFC 3261 §7.3, §7.3.3, §20 and the RFCs that added headers):
 * case-insensitive on receipt, shown in their registered spelling, compact
 * forms read as their long form.
 */

// The registered spelling of every header the parser knows (IANA "Header Fields" registry).
const CANONICAL = [
  'Via',
  'From',
  'To',
  'Call-ID',
  'CSeq',
  'Content-Length',
  'Max-Forwards',
  'Contact',
  'Content-Type',
  'Expires',
  'Authorization',
  'Proxy-Authorization',
  'Route',
  'Record-Route',
  'Date',
  'Accept',
  'Accept-Contact',
  'Accept-Encoding',
  'Accept-Language',
  'Accept-Resource-Priority',
  'Alert-Info',
  'Allow',
  'Allow-Events',
  'Authentication-Info',
  'Call-Info',
  'Content-Disposition',
  'Content-Encoding',
  'Content-Language',
  'Diversion',
  'Error-Info',
  'Event',
  'Flow-Timer',
  'Geolocation',
  'History-Info',
  'Identity',
  'Identity-Info',
  'In-Reply-To',
  'MIME-Version',
  'Min-Expires',
  'Min-SE',
  'Organization',
  'P-Asserted-Identity',
  'P-Preferred-Identity',
  'P-Access-Network-Info',
  'P-Called-Party-ID',
  'P-Charging-Vector',
  'P-Associated-URI',
  'P-Visited-Network-ID',
  'Path',
  'Priority',
  'Privacy',
  'Proxy-Authenticate',
  'Proxy-Require',
  'RAck',
  'Reason',
  'Refer-To',
  'Referred-By',
  'Reject-Contact',
  'Replaces',
  'Reply-To',
  'Request-Disposition',
  'Require',
  'Resource-Priority',
  'Retry-After',
  'RSeq',
  'Security-Client',
  'Security-Server',
  'Security-Verify',
  'Server',
  'Service-Route',
  'Session-Expires',
  'SIP-ETag',
  'SIP-If-Match',
  'Subject',
  'Subscription-State',
  'Supported',
  'Target-Dialog',
  'Timestamp',
  'Unsupported',
  'User-Agent',
  'Warning',
  'WWW-Authenticate',
  'Feature-Caps',
  'Content-Transfer-Encoding',
  'Refer-Sub',
  'Recv-Info',
  'Info-Package',
];

// RFC 3261 §7.3.3 and the later RFCs' compact forms.
const COMPACT: Array<[string, string]> = [
  ['i', 'Call-ID'],
  ['m', 'Contact'],
  ['f', 'From'],
  ['t', 'To'],
  ['v', 'Via'],
  ['l', 'Content-Length'],
  ['c', 'Content-Type'],
  ['k', 'Supported'],
  ['s', 'Subject'],
  ['e', 'Content-Encoding'],
  ['o', 'Event'],
  ['r', 'Refer-To'],
  ['b', 'Referred-By'],
  ['u', 'Allow-Events'],
  ['x', 'Session-Expires'],
  ['a', 'Accept-Contact'],
  ['j', 'Reject-Contact'],
  ['d', 'Request-Disposition'],
  ['y', 'Identity'],
  ['n', 'Identity-Info'],
];

const HEAD = MINIMAL_OPTIONS;
const MANDATORY = new Set(['via', 'max-forwards', 'from', 'to', 'call-id', 'cseq', 'content-length']);
// The parser checks these two: they need a valid value.
const valueOf = (name: string, i: number): string =>
  name === 'Contact' ? `<sip:c${i}@x>` : name === 'Date' ? `Sat, 13 Nov 2010 23:29:0${i % 10} GMT` : `v${i}`;
function parse(extra: string[]): SipRequest {
  const m = parseMessage(Buffer.from([...HEAD, ...extra].join('\r\n') + '\r\n\r\n', 'latin1'));
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
}

t.test('a known header received in lower or upper case is shown in its registered spelling', async (t) => {
  const optional = CANONICAL.filter((name) => !MANDATORY.has(name.toLowerCase()));
  for (const spelling of [(s: string) => s.toLowerCase(), (s: string) => s.toUpperCase()]) {
    const m = parse(optional.map((name, i) => `${spelling(name)}: ${valueOf(name, i)}`));
    const shown = m.headers.entries().slice(HEAD.length - 1);
    t.same(
      shown.map(([name]) => name),
      optional,
    );
    t.same(
      shown.map(([, value]) => value),
      optional.map((name, i) => valueOf(name, i)),
    );
    for (const [i, name] of optional.entries()) t.equal(m.headers.get(name.toLowerCase()), valueOf(name, i), name);
  }
});

t.test('every known name has its own id, and the id leads back to the name', async (t) => {
  const ids = new Set<number>();
  for (const name of CANONICAL) {
    const id = classifyName(`x${name.toUpperCase()}x`, 1, name.length + 1);
    t.not(id, 0, `${name} is known`);
    ids.add(id);
    t.equal(displayNameOf(id), name);
    t.equal(lowerNameOf(id), name.toLowerCase());
    t.equal(idOfKey(name.toLowerCase()), id);
  }
  t.equal(ids.size, CANONICAL.length, 'no two names share an id');
  t.equal(classifyName('Via', 0, 3), 1, 'Via is header 1 (the parser counts Vias by it)');
  t.equal(classifyName('Contact', 0, 7), 8, 'Contact is header 8');
  t.equal(classifyName('X-Custom', 0, 8), 0, 'an unknown name is 0');
  t.equal(classifyName('Viaa', 0, 4), 0, 'a longer name is not the known one');
  t.equal(classifyName('Vi', 0, 2), 0, 'nor a shorter one');
  t.equal(displayNameOf(0), '', 'id 0 has no name');
  t.equal(lowerNameOf(999), '');
  t.equal(idOfKey('x-custom'), 0);
});

t.test('§7.3.3 compact forms read as, and are shown as, their long form', async (t) => {
  const m = parse(COMPACT.filter(([, long]) => !MANDATORY.has(long.toLowerCase())).map(([c, long], i) => `${c}: ${valueOf(long, i)}`));
  const shown = m.headers.entries().slice(HEAD.length - 1);
  t.same(
    shown.map(([name]) => name),
    COMPACT.filter(([, long]) => !MANDATORY.has(long.toLowerCase())).map(([, long]) => long),
  );
  for (const [letter, long] of COMPACT) {
    t.equal(canonicalKey(letter), long.toLowerCase(), `${letter} is ${long}`);
    t.equal(canonicalKey(letter.toUpperCase()), long.toLowerCase(), `${letter.toUpperCase()} is ${long}`);
    t.equal(classifyName(letter.toUpperCase(), 0, 1), idOfKey(long.toLowerCase()), `${letter} classifies as ${long}`);
  }
  t.equal(canonicalKey('q'), 'q', 'a letter without a compact form is itself');
  t.equal(canonicalKey('  Call-ID '), 'call-id', 'blanks around a name do not count');
  t.equal(canonicalKey('  Call-ID '), 'call-id', 'the same from the cache');
});

t.test('compact and long forms of the mandatory headers are one header', async (t) => {
  const m = parseMessage(
    Buffer.from(
      [
        'OPTIONS sip:bob@example.com SIP/2.0',
        'v: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1',
        'Max-Forwards: 70',
        'f: <sip:alice@example.com>;tag=1',
        't: <sip:bob@example.com>',
        'i: c1@host',
        'CSeq: 1 OPTIONS',
        'l: 0',
      ].join('\r\n') + '\r\n\r\n',
      'latin1',
    ),
  );
  t.same(
    m.headers.entries().map(([name]) => name),
    ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Content-Length'],
  );
  t.equal(m.headers.get('Call-ID'), 'c1@host');
  t.equal(m.headers.get('i'), 'c1@host');
  t.throws(() => parse(['i: other@host']), /Call-ID/, 'a compact repeat of Call-ID is a repeat');
});

t.test('a built header set shows known names in their registered spelling and others as given', async (t) => {
  const h = new Headers([
    ['p-asserted-identity', '<sip:1@x>'],
    ['  X-Custom ', 'a'],
    ['WWW-AUTHENTICATE', 'Digest realm="r"'],
    ['m', '<sip:c@x>'],
  ]);
  t.same(
    h.entries().map(([name]) => name),
    ['P-Asserted-Identity', 'X-Custom', 'WWW-Authenticate', 'Contact'],
  );
  t.equal(h.get('contact'), '<sip:c@x>');
  t.equal(h.get('x-custom'), 'a');
});

t.test('equalsLower compares ignoring ASCII case only', async (t) => {
  t.ok(equalsLower('xCALL-IDx', 1, 'call-id'));
  t.ok(equalsLower('call-id', 0, 'call-id'));
  t.notOk(equalsLower('CALL-IE', 0, 'call-id'));
  t.notOk(equalsLower('@', 0, '`'), "'@' is not the upper case of '`'");
  t.notOk(equalsLower('[', 0, '{'), "'[' is not the upper case of '{'");
  t.ok(equalsLower('Z', 0, 'z'));
  t.ok(equalsLower('A', 0, 'a'));
});

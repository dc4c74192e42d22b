import t from 'tap';
import { Headers, parseMessage, SipRequest } from '../../../src/core/messages/index.js';
import {
  addDiversion,
  assertCallerIdentity,
  LINE_IDENTITY_HEADERS,
  plainDisplayName,
  relayPeerIdentity,
  withUser,
} from '../../../src/routing/identity-headers.js';

/** Another customer's number, which a line might try to put in any identity header. */
const OTHER = '0399998888';
const OURS = '0312345678';

function invite(extra: Array<[string, string]> = [], from = `"Reception" <sip:${OURS}@ss.test>;tag=abc`): SipRequest {
  return new SipRequest('INVITE', 'sip:0312340101@ss.test', new Headers([['From', from], ['To', '<sip:0312340101@ss.test>'], ...extra]));
}

/** Every identity header a line could send, each naming OTHER. */
const SPOOFED: Array<[string, string]> = [
  ['P-Asserted-Identity', `<sip:${OTHER}@ss.test;user=phone>`],
  ['P-Preferred-Identity', `<sip:${OTHER}@ss.test>`],
  ['Privacy', 'none'],
  ['Remote-Party-ID', `"Other" <sip:${OTHER}@ss.test>;party=calling;screen=yes;privacy=off`],
  ['Remote-Party-ID', `<sip:${OTHER}@ss.test>;party=calling`],
  ['P-Charge-Info', `<sip:${OTHER}@ss.test;user=phone>`],
  ['P-Charging-Vector', 'icid-value=forged;orig-ioi=other'],
  ['P-Access-Network-Info', 'IEEE-802.11;i-wlan-node-id=ffffffffffff'],
  ['History-Info', `<sip:${OTHER}@ss.test>;index=1`],
  ['Identity', 'eyJhbGciOiJFUzI1NiJ9.forged.sig;info=<https://cert.example/x.pem>'],
  ['Identity-Info', '<https://cert.example/x.pem>'],
];

const assertOpts = (over: Partial<{ number: string; withhold: boolean; trustedNextHop: boolean }> = {}) => ({
  number: OURS,
  domain: 'ss.test',
  withhold: false,
  trustedNextHop: false,
  ...over,
});

for (const [to, trustedNextHop] of [
  ['carrier', true],
  ['line', false],
] as const) {
  for (const [name, value] of SPOOFED) {
    t.test(`line -> ${to}: the line's ${name} does not leave`, async (t) => {
      const r = invite([[name, value]]);
      assertCallerIdentity(r, assertOpts({ trustedNextHop }));
      const lower = name.toLowerCase();
      const left = r.headers.getAll(lower);
      if (lower === 'p-asserted-identity') t.same(left, [`<sip:${OURS}@ss.test;user=phone>`], 'only our PAI');
      else t.same(left, [], `${name} removed`);
      t.notMatch(JSON.stringify(r.headers.entries()), OTHER, 'the other number appears nowhere');
    });
  }
}

t.test('every header in the list is covered by a spoofing case above', async (t) => {
  const covered = new Set(SPOOFED.map(([n]) => n.toLowerCase()));
  for (const name of LINE_IDENTITY_HEADERS) t.ok(covered.has(name), name);
});

t.test('line: spoofed headers in a parsed message, compact Identity form included, are all gone', async (t) => {
  const text = [
    'INVITE sip:0312340101@ss.test SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1',
    `From: "${OTHER}" <sip:${OURS}@ss.test>;tag=abc;cpc=priority`,
    'To: <sip:0312340101@ss.test>',
    'Call-ID: x@y',
    'CSeq: 1 INVITE',
    'Max-Forwards: 70',
    ...SPOOFED.map(([n, v]) => `${n}: ${v}`),
    'y: compact.form.identity',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parseMessage(Buffer.from(text)) as SipRequest;
  assertCallerIdentity(r, assertOpts());
  t.equal(r.headers.get('identity'), undefined, 'compact `y` Identity removed too');
  t.equal(r.headers.get('from'), `<sip:${OURS}@ss.test;user=phone>;tag=abc`, 'numeric display name and cpc dropped, tag kept');
  t.notMatch(JSON.stringify(r.headers.entries()), OTHER);
});

t.test('presented: From and PAI carry the presented number, no Privacy', async (t) => {
  const r = invite([['Privacy', 'id']]);
  assertCallerIdentity(r, assertOpts({ number: '0120123456' }));
  t.equal(r.headers.get('from'), '"Reception" <sip:0120123456@ss.test;user=phone>;tag=abc');
  t.equal(r.headers.get('p-asserted-identity'), '<sip:0120123456@ss.test;user=phone>');
  t.equal(r.headers.get('privacy'), undefined, "the line's Privacy is not ours to relay");
});

t.test('withheld: anonymous From, our Privacy: id, PAI only to trusted next hops (RFC 3325)', async (t) => {
  const toLine = invite([
    ['Privacy', 'none'],
    ['P-Asserted-Identity', `<sip:${OTHER}@ss.test>`],
  ]);
  assertCallerIdentity(toLine, assertOpts({ withhold: true }));
  t.equal(toLine.headers.get('from'), '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=abc');
  t.same(toLine.headers.getAll('privacy'), ['id']);
  t.equal(toLine.headers.get('p-asserted-identity'), undefined);
  const toCarrier = invite();
  assertCallerIdentity(toCarrier, assertOpts({ withhold: true, trustedNextHop: true }));
  t.equal(toCarrier.headers.get('p-asserted-identity'), `<sip:${OURS}@ss.test;user=phone>`);
  t.same(toCarrier.headers.getAll('privacy'), ['id']);
});

t.test('display names: plain text stays, anything that could spell a number or address goes', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['Reception', 'Reception'],
    ['  Tokyo Office  ', 'Tokyo Office'],
    ['東京本社', '東京本社'],
    [OTHER, undefined],
    ['Call 03-9999-8888', undefined],
    ['Sales ０３９９９９８８８８', undefined], // full-width digits
    ['Room ③', undefined], // circled digit
    ['bob@other.example', undefined],
    ['', undefined],
    ['x'.repeat(65), undefined],
  ];
  for (const [name, expected] of cases) t.equal(plainDisplayName(name), expected, JSON.stringify(name));
  t.equal(plainDisplayName(undefined), undefined);

  const quoted = invite([], `"Support ${OTHER}" <sip:${OURS}@ss.test>;tag=abc`);
  assertCallerIdentity(quoted, assertOpts());
  t.equal(quoted.headers.get('from'), `<sip:${OURS}@ss.test;user=phone>;tag=abc`, 'quoted numeric name dropped');
  const token = invite([], `Desk12 <sip:${OURS}@ss.test>;tag=abc`);
  assertCallerIdentity(token, assertOpts());
  t.equal(token.headers.get('from'), `<sip:${OURS}@ss.test;user=phone>;tag=abc`, 'token numeric name dropped');
});

t.test('peer -> line: PAI and Privacy stand, trust-domain and unrelayed headers go', async (t) => {
  const r = invite(
    [
      ['P-Asserted-Identity', '<sip:0612345678@peer.example;user=phone>'],
      ['Privacy', 'none'],
      ['P-Preferred-Identity', '<sip:0612345678@peer.example>'],
      ['Remote-Party-ID', '<sip:0612345678@peer.example>;party=calling'],
      ['P-Charge-Info', '<sip:0612345678@peer.example>'],
      ['P-Charging-Vector', 'icid-value=1'],
      ['P-Access-Network-Info', '3GPP-E-UTRAN-FDD'],
      ['History-Info', '<sip:0312340101@ss.test>;index=1'],
    ],
    '<sip:0612345678@peer.example>;tag=p1',
  );
  relayPeerIdentity(r, false);
  t.equal(r.headers.get('p-asserted-identity'), '<sip:0612345678@peer.example;user=phone>');
  t.equal(r.headers.get('privacy'), 'none');
  t.equal(r.headers.get('history-info'), '<sip:0312340101@ss.test>;index=1');
  for (const gone of ['p-preferred-identity', 'remote-party-id', 'p-charge-info', 'p-charging-vector', 'p-access-network-info']) {
    t.equal(r.headers.get(gone), undefined, `${gone} removed`);
  }
  t.equal(r.headers.get('from'), '<sip:0612345678@peer.example>;tag=p1', "the peer's From is its own");
});

t.test('peer -> line: a private PAI is dropped (RFC 3325 §5), history privacy drops History-Info', async (t) => {
  for (const privacy of ['id', 'user', 'id;critical']) {
    const r = invite([
      ['P-Asserted-Identity', '<sip:0612345678@peer>'],
      ['Privacy', privacy],
    ]);
    relayPeerIdentity(r, false);
    t.equal(r.headers.get('p-asserted-identity'), undefined, `Privacy: ${privacy}`);
  }
  for (const privacy of ['history', 'header']) {
    const r = invite([
      ['History-Info', '<sip:0312340101@ss.test>;index=1'],
      ['Privacy', privacy],
    ]);
    relayPeerIdentity(r, false);
    t.equal(r.headers.get('history-info'), undefined, `Privacy: ${privacy}`);
  }
});

t.test('peer -> trusted next hop: what RFC 3325 allows passes, even when private', async (t) => {
  const r = invite([
    ['P-Asserted-Identity', '<sip:0612345678@peer>'],
    ['Privacy', 'id'],
    ['P-Charge-Info', '<sip:0612345678@peer>'],
    ['History-Info', '<sip:x@ss.test>;index=1'],
    ['Remote-Party-ID', '<sip:0612345678@peer>;party=calling'],
    ['P-Preferred-Identity', '<sip:0612345678@peer>'],
  ]);
  relayPeerIdentity(r, true);
  t.equal(r.headers.get('p-asserted-identity'), '<sip:0612345678@peer>');
  t.equal(r.headers.get('privacy'), 'id');
  t.equal(r.headers.get('p-charge-info'), '<sip:0612345678@peer>');
  t.equal(r.headers.get('history-info'), '<sip:x@ss.test>;index=1');
  t.equal(r.headers.get('remote-party-id'), undefined);
  t.equal(r.headers.get('p-preferred-identity'), undefined);
});

t.test('Diversion: ours only, most recent first, with reasons (RFC 5806)', async (t) => {
  const r = invite([['Diversion', `<sip:${OTHER}@x>`]]);
  addDiversion(
    r,
    [
      { from: '0311111111', to: '0322222222', reason: 'unconditional' },
      { from: '0322222222', to: '0333333333', reason: 'user-busy' },
    ],
    'ss.test',
  );
  t.same(r.headers.getAll('diversion'), [
    '<sip:0322222222@ss.test;user=phone>;reason=user-busy;counter=1',
    '<sip:0311111111@ss.test;user=phone>;reason=unconditional;counter=1',
  ]);
});

t.test('withUser keeps host, port and parameters', async (t) => {
  t.equal(withUser('sip:pbx@10.0.0.1:5070;transport=tcp', '0312345678'), 'sip:0312345678@10.0.0.1:5070;transport=tcp');
  t.equal(withUser('tel:+81312345678', '0312345678'), 'tel:+81312345678');
});

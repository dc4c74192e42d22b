import t from 'tap';
import { SipRequest, SipResponse, parseMessage } from '../../../src/core/messages/index.js';
import { parseError as error } from './parser-fixtures.js';

const REQ = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1;rport',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:alice@example.com>',
  'Call-ID: c1@host',
  'CSeq: 1 REGISTER',
  'Contact: <sip:alice@192.0.2.10>;expires=60',
  'Content-Length: 0',
];
const build = (lines: string[], body = '', eol = '\r\n') => Buffer.from(lines.join(eol) + eol + eol + body, 'latin1');
const replace = (name: string, line: string | null) => REQ.flatMap((l) => (l.startsWith(name + ':') ? (line === null ? [] : [line]) : [l]));

t.test('a typical REGISTER', async (t) => {
  const m = parseMessage(build(REQ));
  t.ok(m instanceof SipRequest);
  const r = m as SipRequest;
  t.equal(r.method, 'REGISTER');
  t.equal(r.uri, 'sip:example.com');
  t.equal(r.body.length, 0);
  t.equal(r.headers.get('contact'), '<sip:alice@192.0.2.10>;expires=60');
});

t.test('framing', async (t) => {
  t.equal((parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), build(REQ)])) as SipRequest).method, 'REGISTER', 'leading CRLFs skipped');
  t.equal((parseMessage(build(REQ, '', '\n')) as SipRequest).method, 'REGISTER', 'bare LF line endings');
  const withBody = build(replace('Content-Length', 'Content-Length: 5'), 'hello and more');
  t.equal(parseMessage(withBody).body.toString(), 'hello', 'truncated to Content-Length');
  t.equal(parseMessage(build(replace('Content-Length', null), 'abc')).body.toString(), 'abc', 'no Content-Length: rest of datagram');
  t.equal(parseMessage(build(replace('Content-Length', 'l: 3'), 'abc')).body.toString(), 'abc', 'compact l');
  t.equal(parseMessage(build(replace('Content-Length', 'Content-Length: 3'), 'abc')).body.toString(), 'abc');
  const lfBody = Buffer.from(REQ.slice(0, -1).join('\n') + '\nContent-Length: 4\n\na\r\n\r\nb', 'latin1');
  t.equal(parseMessage(lfBody).body.toString('latin1'), 'a\r\n\r', 'bare-LF headers, CRLFCRLF inside the body');
  t.equal(parseMessage(build(replace('Content-Length', 'Content-Length: 00'))).body.length, 0);
  t.equal(error(Buffer.from('')).why, 'empty message');
  t.equal(error(Buffer.from('\r\n\r\n')).why, 'empty message');
  t.equal(error(Buffer.from(REQ.join('\r\n'))).why, 'no empty line after headers');
});

t.test('UTF-8 and binary bytes survive byte-for-byte', async (t) => {
  const name = Buffer.from('"Jörg Ünlü" <sip:j@example.com>;tag=7', 'utf8').toString('latin1');
  const m = parseMessage(build(replace('From', 'From: ' + name)));
  t.equal(Buffer.from(m.headers.get('from') as string, 'latin1').toString('utf8'), '"Jörg Ünlü" <sip:j@example.com>;tag=7');
});

t.test('request validation', async (t) => {
  const cases: Array<[string[], string, boolean]> = [
    [['REGISTER  sip:example.com SIP/2.0', ...REQ.slice(1)], 'malformed Request-URI', true],
    [['REGISTER sip:example.com SIP/2.1', ...REQ.slice(1)], 'unsupported SIP version', true],
    [['REGISTER sip:example.com HTTP/1.1', ...REQ.slice(1)], 'malformed request line', true],
    [['REGISTER sip:example.com', ...REQ.slice(1)], 'malformed request line', true],
    [['REG<ISTER sip:example.com SIP/2.0', ...REQ.slice(1)], 'malformed request line', false],
    [['REGISTER sip:exa mple.com SIP/2.0', ...REQ.slice(1)], 'malformed Request-URI', true],
    [['REGISTER sip:@example.com SIP/2.0', ...REQ.slice(1)], 'malformed Request-URI', true],
    [replace('Via', null), 'missing Via header', false],
    [replace('From', null), 'missing From header', false],
    [replace('To', null), 'missing To header', false],
    [replace('Call-ID', null), 'missing Call-ID header', false],
    [replace('CSeq', null), 'missing CSeq header', false],
    [replace('CSeq', 'CSeq: 1 INVITE'), 'CSeq method does not match request method', true],
    [replace('CSeq', 'CSeq: 1 register'), 'CSeq method does not match request method', true],
    [replace('CSeq', 'CSeq: x REGISTER'), 'malformed CSeq', true],
    [replace('Via', 'Via: SIP/2.0/UDP'), 'malformed Via', false],
    [replace('Via', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1, garbage'), 'malformed Via', true],
    [replace('From', 'From: alice'), 'malformed From', true],
    [replace('To', 'To: <sip:alice@example.com'), 'malformed To', true],
    [replace('Contact', 'Contact: <sip:a@b.com>, *'), 'malformed Contact', true],
    [replace('Max-Forwards', 'Max-Forwards: 256'), 'malformed Max-Forwards', true],
    [replace('Max-Forwards', 'Max-Forwards: ten'), 'malformed Max-Forwards', true],
    [replace('Content-Length', 'Content-Length: 10'), 'Content-Length larger than message', true],
    [replace('Content-Length', 'Content-Length: abc'), 'malformed Content-Length', true],
    [replace('Call-ID', 'Call-ID:'), 'empty Call-ID', true],
    [[...REQ, 'Bad Header: x'], 'malformed header line', true],
    [[...REQ, 'NoColon'], 'malformed header line', true],
    [[REQ[0] as string, ' folded-first: x', ...REQ.slice(1)], 'malformed header line', false],
    [[...REQ, 'Call-ID: other'], 'multiple Call-ID headers', true],
    [[...REQ, 'i: other'], 'multiple Call-ID headers', true],
    [[...REQ, 'CSeq: 2 REGISTER'], 'multiple CSeq headers', true],
    [[...REQ, 'CSeq: 1 REGISTER'], 'multiple CSeq headers', true],
    [[...REQ, 'To: <sip:bob@example.com>'], 'multiple To headers', true],
    [[...REQ, 't: <sip:alice@example.com>'], 'multiple To headers', true],
    [[...REQ, 'From: <sip:mallory@example.com>;tag=2'], 'multiple From headers', true],
    [[...REQ, 'f: <sip:alice@example.com>;tag=1'], 'multiple From headers', true],
    [[...REQ, 'Max-Forwards: 70'], 'multiple Max-Forwards headers', true],
  ];
  for (const [lines, why, answerable] of cases) {
    const e = error(build(lines));
    t.equal(e.why, why, `${why}: ${lines.join('|').slice(0, 60)}`);
    t.equal(e.request !== undefined, answerable, `answerable=${answerable} for ${why}`);
    t.equal(e.message, why);
  }
  t.ok(parseMessage(build([...REQ, 'Content-Length: 0'])), 'repeated identical Content-Length is fine');
  t.ok(parseMessage(build(replace('Max-Forwards', null))), 'Max-Forwards may be absent');
  t.ok(parseMessage(build(replace('Contact', 'Contact: *'))), 'Contact: *');
});

t.test('responses', async (t) => {
  const lines = ['SIP/2.0 180 Ringing', ...REQ.slice(1).filter((l) => !l.startsWith('Max') && !l.startsWith('Contact'))];
  const m = parseMessage(build(lines));
  t.ok(m instanceof SipResponse);
  t.equal((m as SipResponse).status, 180);
  t.equal((m as SipResponse).reason, 'Ringing');
  t.equal((parseMessage(build(['SIP/2.0 200', ...lines.slice(1)])) as SipResponse).reason, '', 'reason may be absent');
  for (const [first, why] of [
    ['SIP/2.0 99 Too Low', 'malformed status code'],
    ['SIP/2.0 700 High', 'malformed status code'],
    ['SIP/2.0 2000 OK', 'malformed status code'],
    ['SIP/2.0 20x OK', 'malformed status code'],
    ['SIP/3.0 200 OK', 'unsupported SIP version'],
    ['SIP/2.0', 'malformed status line'],
  ] as const) {
    const e = error(build([first, ...lines.slice(1)]));
    t.equal(e.why, why, first);
    t.equal(e.request, undefined, 'responses are never answered');
  }
  t.equal(error(build(lines.filter((l) => !l.startsWith('CSeq')))).why, 'missing CSeq header');
  // A response is matched to its transaction by these headers: a second copy must not slip past.
  for (const [extra, why] of [
    ['CSeq: 2 REGISTER', 'multiple CSeq headers'],
    ['To: <sip:bob@example.com>;tag=9', 'multiple To headers'],
    ['From: <sip:bob@example.com>;tag=9', 'multiple From headers'],
    ['Call-ID: other@host', 'multiple Call-ID headers'],
  ] as const) {
    t.equal(error(build([...lines, extra])).why, why, `response with a second ${extra}`);
  }
});

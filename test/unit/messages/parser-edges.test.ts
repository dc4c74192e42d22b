import t from 'tap';
import { SipRequest, SipResponse, parseMessage, parseUri } from '../../../src/core/messages/index.js';
import { MINIMAL_OPTIONS, parseError as error } from './parser-fixtures.js';

/** The message parser and validator (RFC 3261 §7, §8.2, §20, §25) at the edges of its grammar. */
const REQ = MINIMAL_OPTIONS;
const RES = ['SIP/2.0 200 OK', ...REQ.slice(1).filter((l) => !l.startsWith('Max-Forwards'))];
const build = (lines: string[], body = '', eol = '\r\n') => Buffer.from(lines.join(eol) + eol + eol + body, 'latin1');
const replace = (lines: readonly string[], name: string, line: string | null) =>
  lines.flatMap((l) => (l.toLowerCase().startsWith(name.toLowerCase() + ':') ? (line === null ? [] : [line]) : [l]));
const request = (lines: string[], body = ''): SipRequest => {
  const m = parseMessage(build(lines, body));
  if (!(m instanceof SipRequest)) throw new Error('not a request');
  return m;
};

t.test('§7.3.1 folding: a continuation line joins the value with one SP; an empty value takes the continuation', async (t) => {
  const m = request([...REQ, 'Subject:', '  lunch', 'X-Long: one', '\ttwo  ', ' three']);
  t.equal(m.headers.get('subject'), 'lunch');
  t.equal(m.headers.get('x-long'), 'one two three');
  const blank = request([...REQ, 'Subject: a', '   ', 'X-After: b']);
  t.equal(blank.headers.get('subject'), 'a', 'a continuation of blanks adds nothing');
  t.equal(blank.headers.get('x-after'), 'b');
  t.same(
    blank.headers.entries().map(([name]) => name),
    ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Subject', 'X-After'],
  );
});

t.test('§7.3.1 header names are case-insensitive, with blanks allowed before the colon', async (t) => {
  const m = request([
    'OPTIONS sip:bob@example.com SIP/2.0',
    'VIA: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1',
    'from: <sip:alice@example.com>;tag=1',
    'tO : <sip:bob@example.com>',
    'CALL-ID\t: c1@host',
    'cseq: 1 OPTIONS',
    'max-FORWARDS: 70',
  ]);
  t.equal(m.topVia()?.params['branch'], 'z9hG4bK1');
  t.equal(m.headers.get('to'), '<sip:bob@example.com>');
  t.equal(m.headers.get('call-id'), 'c1@host');
  t.equal(error(build([...REQ, 'CSEQ: 2 OPTIONS'])).why, 'multiple CSeq headers', 'a repeat in other case is still a repeat');
  t.equal(error(build([...REQ, 'MAX-forwards: 70'])).why, 'multiple Max-Forwards headers');
});

t.test('a header line needs a name and a colon', async (t) => {
  t.equal(error(build([...REQ, ': no name'])).why, 'malformed header line');
  t.equal(error(build([...REQ, 'X-Empty  '])).why, 'malformed header line', 'blanks but no colon');
  t.equal(error(build(['SIP/2.0 200 OK', ...RES.slice(1), 'Bad Header: x'])).why, 'malformed header line', 'in a response too');
  t.equal(request([...REQ, 'X-Empty:']).headers.get('x-empty'), '', 'an empty value is fine');
});

t.test('an extension method whose name starts like the version is a request', async (t) => {
  for (const method of ['SIP', 'SIPX', 'S']) {
    const m = request([`${method} sip:bob@example.com SIP/2.0`, ...replace(REQ.slice(1), 'CSeq', `CSeq: 1 ${method}`)]);
    t.equal(m.method, method);
  }
  t.equal(error(build(['XIP/2.0 200 OK', ...RES.slice(1)])).why, 'malformed request line', 'not SIP/: not a status line');
});

t.test('§7.1 the request line: single spaces, version at the end', async (t) => {
  t.equal(error(build(['OPTIONS sip:bob@example.com SIP/2.0 ', ...REQ.slice(1)])).why, 'malformed request line', 'a trailing space');
  t.equal(error(build(['OPTIONS sip:bob@example.com sip/2.0', ...REQ.slice(1)])).why, 'unsupported SIP version');
  t.equal(error(build(['OPTIONS sip:bob@example.com SIP/2.0x', ...REQ.slice(1)])).why, 'malformed request line');
  t.equal(error(build(['OPTIONS', ...REQ.slice(1)])).why, 'malformed request line', 'a method alone');
  const e = error(build(['OPTIONS sip:bob@example.com SIP/2.1', ...REQ.slice(1)]));
  t.equal(e.request?.method, 'OPTIONS', 'a 505 can be answered');
  t.equal(e.request?.uri, 'sip:bob@example.com');
});

t.test('§7.2 the status line', async (t) => {
  const res = (first: string) => parseMessage(build([first, ...RES.slice(1)])) as SipResponse;
  t.equal(res('SIP/2.0 181 Call Is Being Forwarded').reason, 'Call Is Being Forwarded', 'a reason with spaces');
  t.equal(res('SIP/2.0 100 Trying').status, 100, 'lowest code');
  t.equal(res('SIP/2.0 699 Whatever').status, 699, 'highest code');
  t.equal(res('SIP/2.0 486 ').reason, '', 'an empty reason after the space');
  for (const first of ['SIP/2.0 20 OK', 'SIP/2.0 200OK', 'SIP/2.0  200 OK', 'SIP/2.0 -20 OK', 'SIP/2.0 2:0 OK', 'SIP/2.0 /00 OK']) {
    t.equal(error(build([first, ...RES.slice(1)])).why, 'malformed status code', first);
  }
  t.equal(error(build(['SIP/2.00 200 OK', ...RES.slice(1)])).why, 'unsupported SIP version');
  t.equal(error(build(['SIP/2.0x 200 OK', ...RES.slice(1)])).why, 'malformed status line');
  t.equal(error(build(['SIP/', ...RES.slice(1)])).why, 'malformed status line', 'no space before the end of the line');
});

t.test('§8.2.2.1 the Request-URI', async (t) => {
  const uri = (u: string) => ['OPTIONS ' + u + ' SIP/2.0', ...REQ.slice(1)];
  t.equal(error(build(uri('sip:bob@example.com?Subject=hi'))).why, 'malformed Request-URI', 'no headers in a Request-URI (§19.1.1)');
  t.equal(error(build(uri('sip:'))).why, 'malformed Request-URI', 'a scheme alone');
  t.equal(error(build(uri('bob@example.com'))).why, 'malformed Request-URI', 'no scheme');
  t.equal(error(build(uri('tel:'))).why, 'malformed Request-URI');
  t.equal(error(build(uri('x:'))).why, 'malformed Request-URI', 'any scheme needs something after the colon (§25.1 absoluteURI)');
  t.equal(error(build(uri('sip:bob@exa<mple.com'))).why, 'malformed Request-URI');
  const sips = request(uri('SIPS:bob@example.com'));
  t.same(sips.requestUri(), parseUri('SIPS:bob@example.com'), 'the scheme in any case is parsed');
  t.equal(request(uri('tel:+15551234567')).requestUri()?.scheme, 'tel');
  t.equal(request(uri('tel:+15551234567')).requestUri()?.user, '+15551234567');
  const other = request(uri('urn:service:sos'));
  t.equal(other.uri, 'urn:service:sos', 'another scheme is kept as text');
  t.equal(other.requestUri(), null);
  const tag = request(uri('tag:example.com,2026:x'));
  t.equal(tag.requestUri(), null, 'a scheme starting with t that is not tel');
  const svc = request(uri('sipx:bob@example.com'));
  t.equal(svc.requestUri(), null, 'a scheme starting with s that is not sip');
});

t.test('§20.22 Max-Forwards: 0 to 255', async (t) => {
  t.ok(request(replace(REQ, 'Max-Forwards', 'Max-Forwards: 0')), '0');
  t.ok(request(replace(REQ, 'Max-Forwards', 'Max-Forwards: 255')), '255');
  t.ok(request(replace(REQ, 'Max-Forwards', 'Max-Forwards: 00070')), 'leading zeros');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards:'))).why, 'malformed Max-Forwards', 'empty');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards: 7 0'))).why, 'malformed Max-Forwards');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards: 99999'))).why, 'malformed Max-Forwards');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards: -1'))).why, 'malformed Max-Forwards');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards: 7:'))).why, 'malformed Max-Forwards', 'a character just above the digits');
  t.equal(error(build(replace(REQ, 'Max-Forwards', 'Max-Forwards: /7'))).why, 'malformed Max-Forwards', 'a character just below the digits');
});

t.test('§20.14 Content-Length frames the body, in requests and responses', async (t) => {
  const cl = (v: string, body: string, lines = REQ) => parseMessage(build([...lines, `Content-Length: ${v}`], body));
  t.equal(cl('0000000003', 'abcdef').body.toString(), 'abc', 'ten digits with leading zeros');
  t.equal(cl('6', 'abcdef').body.toString(), 'abcdef', 'exactly the rest');
  t.equal(cl('2', 'abc', RES).body.toString(), 'ab', 'a response too');
  t.equal(cl('0', 'abc').body.length, 0, 'zero: no body, extra bytes dropped');
  t.equal(error(build([...REQ, 'Content-Length: 7'], 'abcdef')).why, 'Content-Length larger than message', 'one byte short');
  t.equal(error(build([...REQ, 'Content-Length:'], '')).why, 'malformed Content-Length', 'empty');
  t.equal(error(build([...REQ, 'Content-Length: 00000000001'], 'a')).why, 'malformed Content-Length', 'eleven digits');
  t.equal(error(build([...REQ, 'Content-Length: 1:'], 'a')).why, 'malformed Content-Length');
  t.equal(error(build([...REQ, 'Content-Length: /1'], 'a')).why, 'malformed Content-Length');
  t.equal(error(build([...RES, 'Content-Length: 9'], 'a')).why, 'Content-Length larger than message', 'a response is checked too');
  t.equal(error(build([...REQ, 'Content-Length: 1', 'l: 2'], 'ab')).why, 'conflicting Content-Length headers');
  t.equal(cl('1', 'ab', [...REQ, 'l: 1']).body.toString(), 'a', 'the same length twice is fine');
  t.equal(parseMessage(build(RES, 'xyz')).body.toString(), 'xyz', 'no Content-Length: the rest of the datagram');
  t.equal(parseMessage(build(RES)).body.length, 0, 'nothing after the headers: no body');
});

t.test('bare-LF framing: the first empty line ends the headers, the body follows it', async (t) => {
  const m = parseMessage(Buffer.from([...REQ, 'Content-Length: 2'].join('\n') + '\n\nhi', 'latin1'));
  t.equal(m.body.toString(), 'hi');
  const mixed = parseMessage(Buffer.from([...REQ, 'Content-Length: 2'].join('\r\n') + '\r\n\nhi', 'latin1'));
  t.equal(mixed.body.toString(), 'hi', 'CRLF lines ended by a bare LF line');
  const lf = parseMessage(Buffer.from('\n\n' + [...REQ, 'Content-Length: 1'].join('\n') + '\n\nz', 'latin1'));
  t.equal((lf as SipRequest).method, 'OPTIONS', 'leading bare LFs skipped');
  t.equal(lf.body.toString(), 'z');
});

t.test('§20.17 Date must be GMT', async (t) => {
  t.ok(request([...REQ, 'Date: Sat, 13 Nov 2010 23:29:00 GMT']));
  t.equal(error(build([...REQ, 'Date: Sat, 13 Nov 2010 23:29:00 PST'])).why, 'invalid Date');
  t.equal(error(build([...REQ, 'Date: Sat, 13 Nov 2010 23:29:00GMT'])).why, 'invalid Date');
});

t.test('§20.42 every Via line is checked; §20.10 every Contact line', async (t) => {
  t.equal(request([...REQ, 'Via: SIP/2.0/TCP 192.0.2.11;branch=z9hG4bK2']).headers.getAll('via').length, 2, 'a second Via line is fine');
  t.equal(error(build([...REQ, 'Via: garbage'])).why, 'malformed Via', 'a bad second Via line');
  t.equal(error(build([...REQ, 'X-Other: 1', 'v: garbage'])).why, 'malformed Via', 'a bad third (compact) one after another header');
  const two = request([...REQ, 'Contact: <sip:a@192.0.2.1>', 'X-Other: 1', 'm: <sip:a@192.0.2.2>']);
  t.equal(two.contacts()?.length, 2, 'both Contact lines are read');
  t.equal(error(build([...REQ, 'Contact: <sip:a@192.0.2.1>', 'X-Other: 1', 'Contact: <bad'])).why, 'malformed Contact', 'a bad second Contact line');
  t.equal(error(build([...REQ, 'Contact: *', 'Contact: <sip:a@192.0.2.1>'])).why, 'malformed Contact', '* with another Contact line');
  t.equal((parseMessage(build([...RES, 'Contact: <bad'])) as SipResponse).contacts(), null, "a response's Contact is read on demand: null when bad");
});

t.test('From, To and Call-ID are checked in responses too', async (t) => {
  t.equal(error(build(replace(RES, 'From', 'From: x'))).why, 'malformed From');
  t.equal(error(build(replace(RES, 'To', 'To: <sip:b'))).why, 'malformed To');
  t.equal(error(build(replace(RES, 'Call-ID', 'Call-ID:'))).why, 'empty Call-ID');
  t.equal(error(build(replace(RES, 'Via', 'Via: x'))).why, 'malformed Via');
  t.equal(error(build(replace(RES, 'CSeq', 'CSeq: one OPTIONS'))).why, 'malformed CSeq');
  t.equal(error(build(replace(RES, 'Via', null))).why, 'missing Via header');
  t.equal(error(build(replace(RES, 'From', null))).why, 'missing From header');
  t.equal(error(build(replace(RES, 'To', null))).why, 'missing To header');
  t.equal(error(build(replace(RES, 'Call-ID', null))).why, 'missing Call-ID header');
  const ok = parseMessage(build(RES)) as SipResponse;
  t.same(ok.cseq(), { seq: 1, method: 'OPTIONS' });
  t.equal(ok.from()?.params['tag'], '1');
});

t.test('a refused request carries itself for the 400 only when a response can be routed back (§8.2.6)', async (t) => {
  const bad = (lines: string[]) => error(build(lines));
  t.ok(bad([...REQ, 'Max-Forwards: 1']).request, 'all of Via, From, To, Call-ID, CSeq present');
  t.equal(bad(replace([...REQ, 'Max-Forwards: 1'], 'Via', 'Via: SIP/2.0/UDP')).request, undefined, 'a Via without sent-by');
  t.ok(bad(replace([...REQ, 'Max-Forwards: 1'], 'Via', 'Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK1')).request, 'an IPv6 sent-by');
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    t.equal(bad(replace([...REQ, 'Max-Forwards: 1'], name, null)).request, undefined, `no ${name}`);
  }
  const e = bad([...REQ, 'Max-Forwards: 1']);
  t.equal(e.name, 'SipParseError');
  t.ok(e instanceof Error);
});

t.test('§7.3.1 the order of header fields is not significant: each check holds for a header in first place', async (t) => {
  const first = (line: string, lines = REQ) => [lines[0] as string, line, ...lines.slice(1)];
  t.equal(error(build(first('Contact: <bad'))).why, 'malformed Contact');
  t.equal(error(build(first('Max-Forwards: 300', replace(REQ, 'Max-Forwards', null)))).why, 'malformed Max-Forwards');
  t.equal(error(build(first('Date: yesterday'))).why, 'invalid Date');
  t.equal(parseMessage(build(first('Content-Length: 2'), 'abcd')).body.toString(), 'ab');
  t.equal(error(build(first('Content-Length: 5'), 'abcd')).why, 'Content-Length larger than message');
  t.equal(parseMessage(build(first('Content-Length: 1', RES), 'xy')).body.toString(), 'x', 'in a response');
  const cseqFirst = request(first('CSeq: 1 OPTIONS', replace(REQ, 'CSeq', null)));
  t.same(cseqFirst.cseq(), { seq: 1, method: 'OPTIONS' });
  t.equal(error(build(first('Call-ID:', replace(REQ, 'Call-ID', null)))).why, 'empty Call-ID');
  t.equal(error(build(first('From: x', replace(REQ, 'From', null)))).why, 'malformed From');
  t.equal(error(build(first('To: x', replace(REQ, 'To', null)))).why, 'malformed To');
});

t.test('§7.3.1 blanks around a value are not part of it: SP and HTAB, on header and continuation lines', async (t) => {
  const m = request([...REQ, 'Subject:\t lunch \t', 'X-Fold: one', ' \t two \t ', 'X-Empty:', '\t later \t']);
  t.equal(m.headers.get('subject'), 'lunch', 'HTAB and SP before and after the value');
  t.equal(m.headers.get('x-fold'), 'one two', 'the last continuation line is trimmed too');
  t.equal(m.headers.get('x-empty'), 'later', 'a continuation of an empty value is trimmed');
  t.equal(request([...REQ, 'X-Blank: \t ']).headers.get('x-blank'), '', 'a value of blanks only is empty');
});

t.test('more header lines than the parser has room for at first (64) are all kept, in order', async (t) => {
  const extra = Array.from({ length: 150 }, (_, i) => `X-N${i}: ${i}`);
  const m = request([...REQ, ...extra, 'Contact: <sip:alice@192.0.2.10>']);
  t.equal(m.headers.entries().length, REQ.length - 1 + 151);
  t.equal(m.headers.get('x-n0'), '0');
  t.equal(m.headers.get('x-n63'), '63');
  t.equal(m.headers.get('x-n64'), '64');
  t.equal(m.headers.get('x-n149'), '149');
  t.same(m.contacts(), [{ uri: 'sip:alice@192.0.2.10', params: {} }], 'a checked header after them is found');
  t.equal(error(build([...REQ, ...extra, 'Contact: <bad'])).why, 'malformed Contact', 'and checked');
});

t.test('a parsed message keeps its own header index when the next message is parsed', async (t) => {
  const first = request([...REQ, 'Subject: first']);
  const second = request([...replace(REQ, 'Via', null), 'X-Other: 1', 'X-Two: 2', 'Via: SIP/2.0/TCP 192.0.2.99;branch=z9hG4bKzz', 'Subject: second']);
  t.equal(first.headers.get('subject'), 'first', 'values are read lazily, after the second parse');
  t.equal(first.topVia()?.host, '192.0.2.10');
  t.equal(second.topVia()?.host, '192.0.2.99');
  t.same(
    first.headers.entries().map(([name]) => name),
    ['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Subject'],
  );
});

t.test('§7.2 a status line starts with exactly "SIP/"; anything else is read as a request line', async (t) => {
  for (const first of ['SXP/2.0 200 OK', 'SIX/2.0 200 OK', 'SIP 200 OK', 'SIP:2.0 200 OK']) {
    t.equal(error(build([first, ...RES.slice(1)])).why, 'malformed request line', first);
  }
});

t.test('§7.1 SIP-Version = "SIP/" 1*DIGIT "." 1*DIGIT: other versions get 505, anything else 400', async (t) => {
  for (const version of ['SIP/12.0', 'SIP/2.10', 'SIP/3.0']) {
    t.equal(error(build([`OPTIONS sip:bob@example.com ${version}`, ...REQ.slice(1)])).why, 'unsupported SIP version', version);
    t.equal(error(build([`${version} 200 OK`, ...RES.slice(1)])).why, 'unsupported SIP version', `${version} in a response`);
  }
  for (const version of ['XSIP/2.0', 'SIP/2.0.1', 'SIP/.0', 'SIP/2.']) {
    t.equal(error(build([`OPTIONS sip:bob@example.com ${version}`, ...REQ.slice(1)])).why, 'malformed request line', version);
  }
});

t.test('§7.2 Status-Code = 3DIGIT, 100 to 699', async (t) => {
  for (const first of ['SIP/2.0x', 'SIP/2.0']) {
    t.equal(error(Buffer.from(first + '\r\n\r\n')).why, 'malformed status line', `${first} and no space in the whole message`);
  }
  for (const first of [
    'SIP/2.0 2/0 OK',
    'SIP/2.0 20/ OK',
    'SIP/2.0 0200 OK',
    'SIP/2.0 2000 OK',
    'SIP/2.0 099 Low',
    'SIP/2.0 000 Zero',
    'SIP/2.0 700 High',
    'SIP/2.0 200',
  ]) {
    const why = first === 'SIP/2.0 200' ? null : 'malformed status code';
    if (why === null) t.equal((parseMessage(build([first, ...RES.slice(1)])) as SipResponse).reason, '', 'no reason, no space');
    else t.equal(error(build([first, ...RES.slice(1)])).why, why, first);
  }
});

t.test('§7.1 a request line starts with the method, and without a version keeps the rest as its URI', async (t) => {
  const lead = error(build([' OPTIONS sip:bob@example.com SIP/2.0', ...REQ.slice(1)]));
  t.equal(lead.why, 'malformed request line', 'a space before the method');
  t.equal(lead.request, undefined, 'no method: nothing to answer');
  const noVersion = error(build(['OPTIONS sip:bob@example.com', ...REQ.slice(1)]));
  t.equal(noVersion.why, 'malformed request line');
  t.equal(noVersion.request?.method, 'OPTIONS');
  t.equal(noVersion.request?.uri, 'sip:bob@example.com', 'the 400 is for this URI');
  t.equal(error(build(['OPTIONS  sip:bob@example.com SIP/2.0', ...REQ.slice(1)])).why, 'malformed Request-URI', 'two spaces');
  const noUri = error(build(['OPTIONS SIP/2.0', ...REQ.slice(1)]));
  t.equal(noUri.why, 'malformed request line', 'one space: a version but no URI');
  t.equal(noUri.request?.uri, 'SIP/2.0');
  const alone = error(Buffer.from('OPTIONS sip:bob@example.com SIP/2.0\r\n\r\n'));
  t.equal(alone.why, 'missing Via header', 'a request line alone is read as one, with no header');
});

t.test('§8.2.6 whether a refused request can be answered: every mandatory header, wherever it is, and a sent-by', async (t) => {
  const dup = (lines: string[]) => error(build([...lines, 'Max-Forwards: 1']));
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    const line = REQ.find((l) => l.startsWith(name + ':')) as string;
    const lines = [REQ[0] as string, line, ...replace(REQ.slice(1), name, null)];
    t.ok(dup(lines).request, `${name} as the first header`);
  }
  const sentBy = (via: string) => dup(replace(REQ, 'Via', `Via: ${via}`)).request !== undefined;
  t.ok(sentBy('SIP / 2.0 / UDP 192.0.2.10;branch=z9hG4bK1'), 'blanks around the slashes (§7.3.1 SWS)');
  t.ok(sentBy('SIP/2.0/UDP \t host.example.com;branch=z9hG4bK1'), 'several blanks before the host');
  t.notOk(sentBy('x SIP/2.0/UDP 192.0.2.10;branch=z9hG4bK1'), 'something before the protocol');
  t.notOk(sentBy('SIP/2.0/UDP ;branch=z9hG4bK1'), 'no host');
});

t.test('header lines ended by bare LFs, then CRLF CRLF: the body starts after the CRLF CRLF', async (t) => {
  const m = parseMessage(Buffer.from([...REQ, 'Content-Length: 2'].join('\n') + '\n\r\n\r\nhi', 'latin1'));
  t.equal(m.headers.get('content-length'), '2');
  t.equal(m.body.toString(), 'hi');
});

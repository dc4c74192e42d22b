import t from 'tap';
import { SipParseError, parseCSeq, parseMessage } from '../../../src/core/messages/index.js';
import { MINIMAL_OPTIONS } from './parser-fixtures.js';

/**
 * RFC 3261 §7.3.1: the order of header fields with different names is not
 * significant, so a header in first place is checked like any other: a second
 * copy of a single-valued header is still refused (§20: From, To, Call-ID,
 * CSeq, Max-Forwards, Content-Length appear once), and every Contact or Date
 * line is still read.
 */
const REQ = MINIMAL_OPTIONS;
const build = (lines: string[]) => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
/** The request with `line` moved (or put) right after the request line. */
const first = (line: string, rest = REQ.slice(1)) => [REQ[0] as string, line, ...rest];
function why(lines: string[]): string {
  try {
    parseMessage(build(lines));
  } catch (e) {
    if (e instanceof SipParseError) return e.why;
    throw e;
  }
  return 'parsed';
}

t.test('a single-valued header first and again later is refused', async (t) => {
  t.equal(why(first('From: <sip:alice@example.com>;tag=1')), 'multiple From headers');
  t.equal(why(first('To: <sip:bob@example.com>')), 'multiple To headers');
  t.equal(why(first('Call-ID: c2@host')), 'multiple Call-ID headers');
  t.equal(why(first('CSeq: 1 OPTIONS')), 'multiple CSeq headers');
  t.equal(why(first('Max-Forwards: 70')), 'multiple Max-Forwards headers');
  t.equal(why(first('Content-Length: 0', [...REQ.slice(1), 'Content-Length: 1'])), 'conflicting Content-Length headers');
  t.equal(why(first('Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK0')), 'parsed', 'Via may repeat');
});

t.test('a bad Contact or Date in first place is found although another one follows', async (t) => {
  t.equal(why(first('Contact: <bad', [...REQ.slice(1), 'Contact: <sip:a@192.0.2.1>'])), 'malformed Contact');
  t.equal(why(first('Date: tomorrow', [...REQ.slice(1), 'Date: Sat, 13 Nov 2010 23:29:00 GMT'])), 'invalid Date');
});

t.test('§20.16 CSeq needs a method after the number', async (t) => {
  t.equal(parseCSeq('1 '), null);
  t.equal(parseCSeq('1 \t '), null);
  t.equal(parseCSeq('1 @'), null, 'not a token');
});

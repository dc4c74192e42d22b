// The request checks of the validator (RFC 3261 §8.2.2.1, §20.22, §20.14) at edges not covered elsewhere.
import t from 'tap';
import { SipRequest, parseMessage } from '../../../src/core/messages/index.js';
import { MINIMAL_OPTIONS, parseError } from './parser-fixtures.js';

const withUri = (uri: string) => Buffer.from([`OPTIONS ${uri} SIP/2.0`, ...MINIMAL_OPTIONS.slice(1), '', ''].join('\r\n'), 'latin1');
const withLine = (line: string, body = '') => Buffer.from([...MINIMAL_OPTIONS, line, '', body].join('\r\n'), 'latin1');

t.test('§8.2.2.1 a tel: Request-URI must parse (RFC 3966), as a sip: one must', async (t) => {
  t.equal(parseError(withUri('tel:;x')).why, 'malformed Request-URI', 'no number before the parameters');
  t.equal(parseError(withUri('TEL:;x')).why, 'malformed Request-URI', 'whatever the case of the scheme');
  t.equal(parseError(withUri('sip:;x')).why, 'malformed Request-URI');
  t.equal((parseMessage(withUri('urn:;x')) as SipRequest).requestUri(), null, 'another scheme is not parsed');
  const tel = parseMessage(withUri('tel:+15551234567;phone-context=example.com')) as SipRequest;
  t.equal(tel.requestUri()?.user, '+15551234567');
  t.equal(tel.requestUri(), tel.requestUri(), 'parsed once');
});

t.test('§20.22 Max-Forwards above 255 is refused, 255 is not', async (t) => {
  t.equal(parseError(withLine('Max-Forwards: 256')).why, 'multiple Max-Forwards headers', 'a second line is refused first');
  const one = (v: string) =>
    Buffer.from([...MINIMAL_OPTIONS.filter((l) => !l.startsWith('Max-Forwards')), `Max-Forwards: ${v}`, '', ''].join('\r\n'), 'latin1');
  t.equal(parseError(one('256')).why, 'malformed Max-Forwards');
  t.equal(parseError(one('1000')).why, 'malformed Max-Forwards');
  t.ok(parseMessage(one('255')));
  t.ok(parseMessage(one('9')));
  t.equal(parseError(one('2550')).why, 'malformed Max-Forwards', 'a digit after 255');
  t.equal(parseError(one('99999999999999999999')).why, 'malformed Max-Forwards', 'a value past any integer');
  t.equal(parseError(one('25a')).why, 'malformed Max-Forwards');
});

t.test('§20.22 Max-Forwards = 1*DIGIT: any number of leading zeros', async (t) => {
  const one = (v: string) =>
    Buffer.from([...MINIMAL_OPTIONS.filter((l) => !l.startsWith('Max-Forwards')), `Max-Forwards: ${v}`, '', ''].join('\r\n'), 'latin1');
  t.equal(parseMessage(one('000070')).headers.get('max-forwards'), '000070', 'six digits, 70');
  t.ok(parseMessage(one('0000000000000000000255')), 'many zeros before 255');
  t.equal(parseError(one('0000000000000000000256')).why, 'malformed Max-Forwards', 'and before 256');
});

t.test('§8.2.2.1 the Request-URI: only URI characters, whatever the scheme; sips: parsed like sip:', async (t) => {
  for (const uri of ['urn:a<b', 'urn:a"b', 'urn:a>b', 'x-foo:a\x7fb']) t.equal(parseError(withUri(uri)).why, 'malformed Request-URI', JSON.stringify(uri));
  t.equal((parseMessage(withUri('urn:a%20b')) as SipRequest).uri, 'urn:a%20b');
  t.equal(parseError(withUri('sips:;x')).why, 'malformed Request-URI', 'an unparsable sips: URI');
  t.equal(parseError(withUri('SIPS:bob@example.com?Subject=x')).why, 'malformed Request-URI', 'headers in a sips: Request-URI (§19.1.1)');
});

t.test('§20.14 Content-Length: the body is exactly that many bytes, extra bytes dropped', async (t) => {
  t.equal(parseMessage(withLine('Content-Length: 3', 'abcdef')).body.toString('latin1'), 'abc');
  t.equal(parseMessage(withLine('Content-Length: 10', '0123456789')).body.length, 10);
  t.equal(parseError(withLine('Content-Length: 11', '0123456789')).why, 'Content-Length larger than message');
  t.equal(parseMessage(withLine('Content-Length: 0', 'x')).body.length, 0);
});

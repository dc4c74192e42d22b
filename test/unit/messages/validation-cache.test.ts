import t from 'tap';
import { SipRequest, SipResponse, parseMessage } from '../../../src/core/messages/index.js';
import { contactsOf, cseqOf, nameAddrOf, viaListOf } from '../../../src/core/messages/parsed.js';

/**
 * What the validator parses anyway (Via, From, To, CSeq, Contact, Request-URI)
 * is kept on the message, so that the registrar and the proxy read it without
 * parsing a second time (validate.ts). Each value is there before any reader
 * asked, and equal to what a fresh parse gives.
 */
const HEAD = ['Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1', 'From: <sip:alice@example.com>;tag=1', 'To: <sip:bob@example.com>;tag=2', 'Call-ID: c1@host'];
const parse = (lines: string[]) => parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'));

t.test('a request: Via, From, To, CSeq and Contact are cached by the validator', async (t) => {
  const m = parse(['REGISTER sip:example.com SIP/2.0', ...HEAD, 'CSeq: 5 REGISTER', 'Contact: <sip:alice@192.0.2.10>']) as SipRequest;
  const h = m.headers;
  t.same(h._peekParsed('via', viaListOf), viaListOf(h, 'via'));
  t.same(h._peekParsed('from', nameAddrOf), nameAddrOf(h, 'from'));
  t.same(h._peekParsed('to', nameAddrOf), nameAddrOf(h, 'to'));
  t.same(h._peekParsed('cseq', cseqOf), { seq: 5, method: 'REGISTER' });
  t.same(h._peekParsed('contact', contactsOf), contactsOf(h, 'contact'));
  t.not(h._peekParsed('contact', contactsOf), undefined);
});

t.test('a response: Via, From, To and CSeq are cached by the validator', async (t) => {
  const m = parse(['SIP/2.0 200 OK', ...HEAD, 'CSeq: 5 INVITE']) as SipResponse;
  const h = m.headers;
  t.not(h._peekParsed('via', viaListOf), undefined);
  t.not(h._peekParsed('from', nameAddrOf), undefined);
  t.not(h._peekParsed('to', nameAddrOf), undefined);
  t.same(h._peekParsed('cseq', cseqOf), { seq: 5, method: 'INVITE' });
});

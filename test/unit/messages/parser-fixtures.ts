import { parseMessage, SipParseError } from '../../../src/core/messages/index.js';

/** The header lines of a smallest valid request (RFC 3261 §8.1.1: the six mandatory headers), for parser tests to add to or change. */
export const MINIMAL_OPTIONS: readonly string[] = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:bob@example.com>',
  'Call-ID: c1@host',
  'CSeq: 1 OPTIONS',
];

/** The error a message is refused with; fails the test when the message parses. */
export function parseError(buf: Buffer): SipParseError {
  try {
    parseMessage(buf);
  } catch (e) {
    if (e instanceof SipParseError) return e;
    throw e;
  }
  throw new Error('parsed');
}

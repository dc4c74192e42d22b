// Message -> wire bytes (RFC 3261 §7). Strings are written as latin1 (one char,
// one byte); a value holding chars above U+00FF is taken as Unicode text and
// UTF-8 encoded instead, so callers may pass either form.
import { isLatin1 } from './latin1.js';
import { isRequest, type SipMessageLike } from './sip-message.js';

function toLatin1(s: string): string {
  return isLatin1(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}

/**
 * CRLF line endings; Content-Length always set to the body length.
 *
 * `ownMemory`: the bytes get a buffer of their own instead of a slice of
 * Node's shared pool (64 KB blocks in Node 24). For bytes kept long after
 * the message was handled, such as the final response a server transaction
 * keeps for 64*T1 to answer copies of its request: one kept slice keeps its
 * whole pool block, and the other messages written into it, alive.
 */
export function serializeMessage(m: SipMessageLike, ownMemory = false): Buffer {
  let head = isRequest(m) ? m.method + ' ' + m.uri + ' SIP/2.0\r\n' : 'SIP/2.0 ' + m.status + ' ' + m.reason + '\r\n';
  const entries = m.headers.entries();
  for (let i = 0; i < entries.length; i++) {
    const [name, value] = entries[i] as [string, string];
    if (name === 'Content-Length') continue;
    head += name + ': ' + value + '\r\n';
  }
  head += 'Content-Length: ' + m.body.length + '\r\n\r\n';
  if (!isLatin1(head)) {
    head = head.split('\r\n').map(toLatin1).join('\r\n');
  }
  const size = head.length + m.body.length;
  const out = ownMemory ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size);
  out.write(head, 0, 'latin1');
  m.body.copy(out, head.length);
  return out;
}

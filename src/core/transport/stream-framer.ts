import { MAX_MESSAGE_BYTES } from './transport.js';

/**
 * Splits a byte stream into SIP messages (RFC 3261 §18.3): the header part
 * ends at the first empty line and the body is exactly Content-Length bytes.
 * Pure: no sockets, so it is tested on its own.
 */
export type FramerOutput =
  | { kind: 'message'; data: Buffer }
  /** A CRLFCRLF keep-alive ping (RFC 5626 §3.5.1); the answer is a single CRLF pong. */
  | { kind: 'ping' }
  /** The stream cannot be framed any more (no or bad Content-Length, oversize); close it. */
  | { kind: 'error'; why: string };

const CRLFCRLF = Buffer.from('\r\n\r\n');

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private broken = false;

  push(chunk: Buffer): FramerOutput[] {
    if (this.broken) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: FramerOutput[] = [];
    for (;;) {
      const item = this.next();
      if (!item) break;
      out.push(item);
      if (item.kind === 'error') {
        this.broken = true;
        this.buffer = Buffer.alloc(0);
        break;
      }
    }
    return out;
  }

  private next(): FramerOutput | undefined {
    let start = 0;
    // Leading CRLFs between messages are allowed; a CRLFCRLF is a keep-alive ping.
    while (start < this.buffer.length && (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a)) start++;
    if (start > 0) {
      const ping = start >= 4 && this.buffer.subarray(0, 4).equals(CRLFCRLF);
      this.buffer = this.buffer.subarray(start);
      if (ping) return { kind: 'ping' };
    }
    if (this.buffer.length === 0) return undefined;
    const headerEnd = this.buffer.indexOf(CRLFCRLF);
    if (headerEnd < 0) {
      return this.buffer.length > MAX_MESSAGE_BYTES ? { kind: 'error', why: 'header section too large' } : undefined;
    }
    const contentLength = readContentLength(this.buffer.subarray(0, headerEnd));
    if (contentLength === undefined) return { kind: 'error', why: 'missing Content-Length on a stream transport' };
    if (contentLength < 0 || headerEnd + 4 + contentLength > MAX_MESSAGE_BYTES) {
      return { kind: 'error', why: 'bad or oversized Content-Length' };
    }
    const total = headerEnd + 4 + contentLength;
    if (this.buffer.length < total) return undefined;
    const data = this.buffer.subarray(0, total);
    this.buffer = this.buffer.subarray(total);
    return { kind: 'message', data };
  }
}

/** Finds Content-Length (or compact `l`) in a header section; -1 when present but not a number. */
export function readContentLength(head: Buffer): number | undefined {
  const text = head.toString('latin1');
  let lineStart = text.indexOf('\r\n') + 2;
  while (lineStart > 1 && lineStart < text.length) {
    let lineEnd = text.indexOf('\r\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const colon = text.indexOf(':', lineStart);
    if (colon > 0 && colon < lineEnd) {
      const name = text.slice(lineStart, colon).trim().toLowerCase();
      if (name === 'content-length' || name === 'l') {
        const value = text.slice(colon + 1, lineEnd).trim();
        return /^\d{1,9}$/.test(value) ? Number(value) : -1;
      }
    }
    lineStart = lineEnd + 2;
  }
  return undefined;
}

// SIP message model (RFC 3261 §7). Strings are latin1 "binary" strings: each
// char is one received byte, so UTF-8 text survives a parse/serialize round
// trip byte-for-byte (decode for display with Buffer.from(s, 'latin1').toString('utf8')).
import { Headers } from './headers.js';

export { Headers };

const EMPTY = Buffer.alloc(0);

export abstract class SipMessage {
  readonly headers: Headers;
  /** Body bytes (may be empty). A parsed message's body is a view into the received buffer. */
  body: Buffer;

  constructor(headers?: Headers, body?: Buffer) {
    this.headers = headers ?? new Headers();
    this.body = body ?? EMPTY;
  }
}

export class SipRequest extends SipMessage {
  method: string;
  /** Raw Request-URI text. */
  uri: string;

  constructor(method: string, uri: string, headers?: Headers, body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.uri = uri;
  }
}

export class SipResponse extends SipMessage {
  status: number;
  reason: string;

  constructor(status: number, reason: string, headers?: Headers, body?: Buffer) {
    super(headers, body);
    this.status = status;
    this.reason = reason;
  }
}

export type SipMessageLike = SipRequest | SipResponse;

export function isRequest(m: SipMessageLike): m is SipRequest {
  return m instanceof SipRequest;
}

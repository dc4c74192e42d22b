// SIP message model (RFC 3261 §7). Strings are latin1 "binary" strings: each
// char is one received byte, so UTF-8 text survives a parse/serialize round
// trip byte-for-byte (decode for display with Buffer.from(s, 'latin1').toString('utf8')).
//
// The accessors (topVia(), from(), cseq(), ...) return parsed values cached per
// message (see Headers.parsed): they are shared and READ-ONLY. To change a
// header, write its text through `headers` (which drops the cached value), or
// for the top Via use replaceTopVia().
import type { Credentials } from './headers/auth.js';
import type { NameAddr } from './headers/name-addr.js';
import { parseUri, type SipUri } from './headers/uri.js';
import { formatVia, type Via } from './headers/via.js';
import { Headers } from './headers.js';
import { contactsOf, copyVia, credentialsOf, cseqOf, nameAddrOf, viaListOf, type CSeq, type ReadonlyDeep } from './parsed.js';

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

  /** First Via of the first Via header; null when absent or malformed. */
  topVia(): ReadonlyDeep<Via> | null {
    const list = this.headers.parsed('via', viaListOf);
    return list === null ? null : (list[0] ?? null);
  }

  from(): ReadonlyDeep<NameAddr> | null {
    return this.headers.parsed('from', nameAddrOf);
  }

  to(): ReadonlyDeep<NameAddr> | null {
    return this.headers.parsed('to', nameAddrOf);
  }

  /** The From tag, '' when there is none. */
  fromTag(): string {
    return this.from()?.params['tag'] ?? '';
  }

  /** The To tag, '' when there is none (a request outside a dialog). */
  toTag(): string {
    return this.to()?.params['tag'] ?? '';
  }

  /** Whether To carries a tag: the request belongs to a dialog (RFC 3261 §12.2.2). */
  hasToTag(): boolean {
    return this.toTag() !== '';
  }

  cseq(): ReadonlyDeep<CSeq> | null {
    return this.headers.parsed('cseq', cseqOf);
  }

  /** All Contact values: '*', the list ([] when there is none), or null when any is malformed. */
  contacts(): '*' | ReadonlyArray<ReadonlyDeep<NameAddr>> | null {
    return this.headers.parsed('contact', contactsOf);
  }

  /** Each line of an Authorization / Proxy-Authorization (or *-Authenticate) header, parsed. */
  credentials(name: string): ReadonlyArray<ReadonlyDeep<Credentials> | null> {
    return this.headers.parsed(name, credentialsOf);
  }

  /**
   * Replace the top Via with `via` (e.g. a copyVia(topVia()) stamped with
   * received/rport): its formatted text goes in the header and a copy of it
   * into the cache, so the next topVia() does not parse. Later changes to
   * `via` do not affect this message.
   */
  replaceTopVia(via: ReadonlyDeep<Via>): void {
    const h = this.headers;
    h.removeFirst('via');
    h.prepend('via', formatVia(via));
    h._setParsed('via', viaListOf, [copyVia(via)]);
  }
}

export class SipRequest extends SipMessage {
  method: string;
  /** Raw Request-URI text. */
  uri: string;
  // Parsed Request-URI, valid while `uri` still equals `parsedUriOf`.
  private parsedUriOf: string | undefined;
  private parsedUri: SipUri | null = null;

  constructor(method: string, uri: string, headers?: Headers, body?: Buffer) {
    super(headers, body);
    this.method = method;
    this.uri = uri;
  }

  /** The Request-URI parsed (sip, sips, tel; null otherwise); cached until `uri` changes. */
  requestUri(): ReadonlyDeep<SipUri> | null {
    if (this.parsedUriOf !== this.uri) {
      this.parsedUri = parseUri(this.uri);
      this.parsedUriOf = this.uri;
    }
    return this.parsedUri;
  }

  /** @internal Seed the Request-URI cache (the validator parsed it already). */
  _setRequestUri(raw: string, uri: SipUri | null): void {
    this.parsedUriOf = raw;
    this.parsedUri = uri;
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

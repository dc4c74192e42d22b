// Checks a parsed message must pass before a server acts on it (RFC 3261
// §8.2, §16.3; RFC 4475 §3.1.2 and §3.3). Each returns a short reason or null.
// What a check parses (Via, From, To, CSeq, Contact, Request-URI) is kept in
// the message's parsed cache, so readers do not parse it again.
import { URIC } from './headers/chars.js';
import { parseCSeq } from './headers/cseq.js';
import { ContactScan, parseNameAddrRange } from './headers/name-addr.js';
import { parseUriRange, schemeEnd } from './headers/uri.js';
import { isValidViaRange, parseViaRange } from './headers/via.js';
import type { Headers } from './headers.js';
import { H_CONTACT, H_VIA } from './header-names.js';
import { contactsOf, cseqOf, nameAddrOf, viaListOf } from './parsed.js';
import type { SipRequest, SipResponse } from './sip-message.js';

/** First index of selected headers (-1 when absent) and duplicate flags, filled while indexing. */
export interface HeaderSummary {
  via: number;
  from: number;
  to: number;
  callId: number;
  cseq: number;
  clen: number;
  maxFwd: number;
  date: number;
  contact: number;
  dupFrom: boolean;
  dupTo: boolean;
  dupCallId: boolean;
  dupCseq: boolean;
  dupMaxFwd: boolean;
  dupClen: boolean;
}

/** The raw Request-URI is src[uriStart, uriEnd). */
export function validateRequest(
  req: SipRequest,
  src: string,
  uriStart: number,
  uriEnd: number,
  sum: HeaderSummary,
  data: Buffer,
  bodyStart: number,
): string | null {
  if (!validRequestUri(src, uriStart, uriEnd, req)) return 'malformed Request-URI';
  const h = req.headers;
  const common = validateCommon(h, sum);
  if (common !== null) return common;
  const cseq = parseCSeq(h._valueAt(sum.cseq));
  if (cseq === null) return 'malformed CSeq';
  h._setParsed('cseq', cseqOf, cseq);
  if (cseq.method !== req.method) return 'CSeq method does not match request method';
  if (sum.contact >= 0) {
    const scan = new ContactScan(true);
    for (let i = sum.contact, n = h.size; i < n; i++) {
      if (h._idAt(i) === H_CONTACT && !h._parseAt(i, (s, start, end) => scan.add(s, start, end))) return 'malformed Contact';
    }
    const contacts = scan.result();
    if (contacts === null || contacts === true) return 'malformed Contact';
    h._setParsed('contact', contactsOf, contacts);
  }
  if (sum.dupMaxFwd) return 'multiple Max-Forwards headers';
  if (sum.maxFwd >= 0 && !validMaxForwards(h._valueAt(sum.maxFwd))) return 'malformed Max-Forwards';
  if (sum.date >= 0 && !h._valueAt(sum.date).endsWith(' GMT')) return 'invalid Date';
  return setBody(req, sum, data, bodyStart);
}

export function validateResponse(res: SipResponse, sum: HeaderSummary, data: Buffer, bodyStart: number): string | null {
  const common = validateCommon(res.headers, sum);
  if (common !== null) return common;
  const cseq = parseCSeq(res.headers._valueAt(sum.cseq));
  if (cseq === null) return 'malformed CSeq';
  res.headers._setParsed('cseq', cseqOf, cseq);
  return setBody(res, sum, data, bodyStart);
}

function validateCommon(h: Headers, sum: HeaderSummary): string | null {
  if (sum.via < 0) return 'missing Via header';
  if (sum.from < 0) return 'missing From header';
  if (sum.to < 0) return 'missing To header';
  if (sum.callId < 0) return 'missing Call-ID header';
  if (sum.cseq < 0) return 'missing CSeq header';
  if (sum.dupFrom) return 'multiple From headers';
  if (sum.dupTo) return 'multiple To headers';
  if (sum.dupCallId) return 'multiple Call-ID headers';
  if (sum.dupCseq) return 'multiple CSeq headers';
  if (h._valueAt(sum.callId).length === 0) return 'empty Call-ID';
  const vias = h._parseAt(sum.via, parseViaRange);
  if (vias === null) return 'malformed Via';
  h._setParsed('via', viaListOf, vias);
  for (let i = sum.via + 1, n = h.size; i < n; i++) {
    if (h._idAt(i) === H_VIA && !h._parseAt(i, isValidViaRange)) return 'malformed Via';
  }
  const from = h._parseAt(sum.from, parseNameAddrRange);
  if (from === null) return 'malformed From';
  h._setParsed('from', nameAddrOf, from);
  const to = h._parseAt(sum.to, parseNameAddrRange);
  if (to === null) return 'malformed To';
  h._setParsed('to', nameAddrOf, to);
  return null;
}

/** Checks the Request-URI; a sip/sips/tel one is parsed and kept on the request. */
function validRequestUri(s: string, start: number, end: number, req: SipRequest): boolean {
  const colon = schemeEnd(s, start, end);
  if (colon < 0 || colon === end - 1) return false;
  for (let i = colon + 1; i < end; i++) if (URIC[s.charCodeAt(i)] !== 1) return false;
  const c0 = s.charCodeAt(start) | 0x20;
  if (c0 === 115 /* s */ || c0 === 116 /* t */) {
    const scheme = s.slice(start, colon).toLowerCase();
    if (scheme === 'sip' || scheme === 'sips') {
      const u = parseUriRange(s, start, end);
      if (u === null) return false;
      for (const _ in u.headers) return false; // headers are not allowed in a Request-URI (§19.1.1)
      req._setRequestUri(req.uri, u);
    } else if (scheme === 'tel') {
      const u = parseUriRange(s, start, end);
      if (u === null) return false;
      req._setRequestUri(req.uri, u);
    }
  }
  return true;
}

/** Max-Forwards = 1*DIGIT, 0 to 255 (§20.22): leading zeros allowed, so no length limit; a value over 255 stops the scan. */
function validMaxForwards(v: string): boolean {
  if (v.length === 0) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    n = n * 10 + (c - 48);
    if (n > 255) return false;
  }
  return true;
}

/** Frame the body by Content-Length (extra bytes are dropped, as for a UDP datagram). */
function setBody(m: SipRequest | SipResponse, sum: HeaderSummary, data: Buffer, bodyStart: number): string | null {
  if (sum.clen < 0) {
    if (bodyStart < data.length) m.body = data.subarray(bodyStart);
    return null;
  }
  const h = m.headers;
  const v = h._valueAt(sum.clen);
  if (sum.dupClen) {
    for (const other of h.getAll('content-length')) if (other !== v) return 'conflicting Content-Length headers';
  }
  if (v.length === 0 || v.length > 10) return 'malformed Content-Length';
  let cl = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return 'malformed Content-Length';
    cl = cl * 10 + (c - 48);
  }
  if (bodyStart + cl > data.length) return 'Content-Length larger than message';
  if (cl > 0) m.body = data.subarray(bodyStart, bodyStart + cl);
  return null;
}

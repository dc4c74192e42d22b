// Checks a parsed message must pass before a server acts on it (RFC 3261
// §8.2, §16.3; RFC 4475 §3.1.2 and §3.3). Each returns a short reason or null.
import { URIC } from './headers/chars.js';
import { parseCSeq } from './headers/cseq.js';
import { isValidContactList, isValidNameAddr } from './headers/name-addr.js';
import { parseUri, schemeEnd } from './headers/uri.js';
import { isValidVia } from './headers/via.js';
import type { Headers } from './headers.js';
import { H_VIA } from './header-names.js';
import type { SipRequest, SipResponse } from './sip-message.js';

/** First index of selected headers (-1 when absent) and duplicate flags, filled while indexing. */
export interface HeaderSummary {
  via: number; from: number; to: number; callId: number; cseq: number;
  clen: number; maxFwd: number; date: number; contact: number;
  dupFrom: boolean; dupTo: boolean; dupCallId: boolean; dupCseq: boolean; dupMaxFwd: boolean; dupClen: boolean;
}

export function validateRequest(req: SipRequest, rawUri: string, sum: HeaderSummary, data: Buffer, bodyStart: number): string | null {
  if (!validRequestUri(rawUri)) return 'malformed Request-URI';
  const h = req.headers;
  const common = validateCommon(h, sum);
  if (common !== null) return common;
  const cseq = parseCSeq(h._valueAt(sum.cseq));
  if (cseq === null) return 'malformed CSeq';
  if (cseq.method !== req.method) return 'CSeq method does not match request method';
  if (sum.contact >= 0 && !isValidContactList(h.getAll('contact'))) return 'malformed Contact';
  if (sum.dupMaxFwd) return 'multiple Max-Forwards headers';
  if (sum.maxFwd >= 0 && !validMaxForwards(h._valueAt(sum.maxFwd))) return 'malformed Max-Forwards';
  if (sum.date >= 0 && !h._valueAt(sum.date).endsWith(' GMT')) return 'invalid Date';
  return setBody(req, sum, data, bodyStart);
}

export function validateResponse(res: SipResponse, sum: HeaderSummary, data: Buffer, bodyStart: number): string | null {
  const common = validateCommon(res.headers, sum);
  if (common !== null) return common;
  if (parseCSeq(res.headers._valueAt(sum.cseq)) === null) return 'malformed CSeq';
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
  for (let i = sum.via, n = h.size; i < n; i++) {
    if (h._idAt(i) === H_VIA && !isValidVia(h._valueAt(i))) return 'malformed Via';
  }
  if (!isValidNameAddr(h._valueAt(sum.from))) return 'malformed From';
  if (!isValidNameAddr(h._valueAt(sum.to))) return 'malformed To';
  return null;
}

function validRequestUri(uri: string): boolean {
  const colon = schemeEnd(uri);
  if (colon < 0 || colon === uri.length - 1) return false;
  for (let i = colon + 1; i < uri.length; i++) if (URIC[uri.charCodeAt(i)] !== 1) return false;
  const c0 = uri.charCodeAt(0) | 0x20;
  if (c0 === 115 /* s */ || c0 === 116 /* t */) {
    const scheme = uri.slice(0, colon).toLowerCase();
    if (scheme === 'sip' || scheme === 'sips') {
      const u = parseUri(uri);
      if (u === null) return false;
      for (const _ in u.headers) return false; // headers are not allowed in a Request-URI (§19.1.1)
    } else if (scheme === 'tel' && parseUri(uri) === null) return false;
  }
  return true;
}

function validMaxForwards(v: string): boolean {
  if (v.length === 0 || v.length > 5) return false;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) return false;
    n = n * 10 + (c - 48);
  }
  return n <= 255;
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

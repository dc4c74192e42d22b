// SIP / SIPS / tel URIs (RFC 3261 §19.1, RFC 3966). Other schemes: parseUri
// returns null (callers treat them as "not routable by us"; the raw text is kept
// wherever a URI appears, e.g. NameAddr.uri and SipRequest.uri).
// params/headers are plain objects (not null-prototype: those are much slower
// in V8); look keys up with `in` / `?? ` only for names you expect.
import { HOST, IPV6, SCHEME, URIC } from './chars.js';
import { paramName } from './param-names.js';

export interface SipUri {
  scheme: string; // lower-case: 'sip' | 'sips' | 'tel'
  user?: string; // as received (still %-escaped); for tel: the number
  password?: string;
  host: string; // lower-case; IPv6 keeps brackets; '' for tel
  port?: number;
  params: Record<string, string | null>; // names lower-cased, values as received
  headers: Record<string, string>; // names and values as received
}

/** Parse a sip:, sips: or tel: URI; null when malformed or another scheme. */
export function parseUri(s: string): SipUri | null {
  return parseUriRange(s, 0, s.length);
}

/** parseUri of s[start,end) (saves slicing the URI out of a larger string first). */
export function parseUriRange(s: string, start: number, end: number): SipUri | null {
  const colon = schemeEnd(s, start, end);
  if (colon < 0) return null;
  const scheme = lowerAscii(s.slice(start, colon));
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') return null;
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  return scanUri(s, colon, end, scheme === 'tel', uri) ? uri : null;
}

/** Validate the part of s[..end) after a sip/sips (tel when `tel`) scheme colon. */
export function scanUriAfterScheme(s: string, colon: number, tel: boolean, end = s.length): boolean {
  return scanUri(s, colon, end, tel, null);
}

/** Scan s(colon, n) after the scheme colon; fills `uri` when given. */
function scanUri(s: string, colon: number, n: number, tel: boolean, uri: SipUri | null): boolean {
  let i = colon + 1;
  if (tel) {
    const us = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 63 || URIC[c] !== 1) break;
      i++;
    }
    if (i === us) return false;
    if (uri !== null) uri.user = s.slice(us, i);
    return parseUriParams(s, i, n, uri === null ? null : uri.params) === n;
  }
  const at = s.indexOf('@', i);
  if (at >= 0 && at < n) {
    let pw = -1;
    for (let j = i; j < at; j++) {
      const c = s.charCodeAt(j);
      if (URIC[c] !== 1) return false;
      if (c === 58 /* : */ && pw < 0) pw = j;
    }
    const userEnd = pw < 0 ? at : pw;
    if (userEnd === i) return false;
    if (uri !== null) {
      uri.user = s.slice(i, userEnd);
      if (pw >= 0) uri.password = s.slice(pw + 1, at);
    }
    i = at + 1;
  }

  // host
  const hs = i;
  if (i < n && s.charCodeAt(i) === 91 /* [ */) {
    i++;
    while (i < n && IPV6[s.charCodeAt(i)] === 1) i++;
    if (i >= n || s.charCodeAt(i) !== 93 /* ] */ || i === hs + 1) return false;
    i++;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hs) return false;
  if (uri !== null) uri.host = lowerAscii(s.slice(hs, i));

  if (i < n && s.charCodeAt(i) === 58 /* : */) {
    i++;
    let port = 0;
    const ps = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      port = port * 10 + (c - 48);
      i++;
    }
    if (i === ps || i - ps > 5 || port > 65535) return false;
    if (uri !== null) uri.port = port;
  }
  i = parseUriParams(s, i, n, uri === null ? null : uri.params);
  if (i < 0) return false;
  if (i < n && s.charCodeAt(i) === 63 /* ? */) i = parseUriHeaders(s, i + 1, n, uri === null ? null : uri.headers);
  return i === n;
}

/** Index of the ':' ending a valid scheme at the start of s[start,end), or -1. */
export function schemeEnd(s: string, start = 0, end = s.length): number {
  if (start >= end) return -1;
  const c0 = s.charCodeAt(start) | 0x20;
  if (c0 < 97 || c0 > 122) return -1;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return i;
    if (SCHEME[c] !== 1) return -1;
  }
  return -1;
}

/** Parses ';name[=value]' pairs from i (before n); returns the index after them or -1. */
function parseUriParams(s: string, i: number, n: number, out: Record<string, string | null> | null): number {
  while (i < n && s.charCodeAt(i) === 59 /* ; */) {
    i++;
    const ns = i;
    let eq = -1;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 59 || c === 63) break;
      if (c === 61 && eq < 0) eq = i;
      else if (URIC[c] !== 1 || c === 64 /* @ */) return -1;
      i++;
    }
    const ne = eq < 0 ? i : eq;
    if (ne === ns) return -1;
    if (out !== null) out[paramName(s, ns, ne)] = eq < 0 ? null : s.slice(eq + 1, i);
  }
  return i;
}

function parseUriHeaders(s: string, i: number, n: number, out: Record<string, string> | null): number {
  while (i < n) {
    const ns = i;
    let eq = -1;
    while (i < n && s.charCodeAt(i) !== 38 /* & */) {
      const c = s.charCodeAt(i);
      if (c === 61 && eq < 0) eq = i;
      else if (URIC[c] !== 1) return -1;
      i++;
    }
    if (eq === ns) return -1; // hname = 1*( hnv-unreserved / unreserved / escaped ) (§25.1)
    if (out !== null) {
      if (eq > ns) out[s.slice(ns, eq)] = s.slice(eq + 1, i);
      else if (i > ns) out[s.slice(ns, i)] = '';
    }
    if (i < n) i++;
  }
  return i;
}

/** A host without the brackets of an IPv6 reference ("[::1]" -> "::1"); other hosts unchanged. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function formatUri(u: SipUri): string {
  let out = u.scheme + ':';
  if (u.scheme === 'tel') {
    out += u.user ?? '';
  } else {
    if (u.user !== undefined && u.user !== '') {
      out += u.user;
      if (u.password !== undefined) out += ':' + u.password;
      out += '@';
    }
    out += u.host;
    if (u.port !== undefined) out += ':' + u.port;
  }
  for (const k in u.params) {
    const v = u.params[k];
    out += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
  }
  let sep = '?';
  for (const k in u.headers) {
    out += sep + k + '=' + u.headers[k];
    sep = '&';
  }
  return out;
}

/** %HH-decode (byte-preserving: the result is a latin1 "binary" string). */
export function unescapeUser(s: string): string {
  if (s.indexOf('%') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%' && i + 2 < s.length && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out += c;
  }
  return out;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 102);
}

const SPECIAL_PARAMS = ['transport', 'user', 'ttl', 'method', 'maddr'];

/** RFC 3261 §19.1.4 URI comparison. */
export function uriEquals(a: SipUri, b: SipUri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (unescapeUser(a.user ?? '') !== unescapeUser(b.user ?? '')) return false;
  if ((a.password === undefined) !== (b.password === undefined)) return false;
  if (unescapeUser(a.password ?? '') !== unescapeUser(b.password ?? '')) return false;
  if (a.host !== b.host || a.port !== b.port) return false;

  const pa = normParams(a.params);
  const pb = normParams(b.params);
  for (const k of SPECIAL_PARAMS) {
    if (pa.has(k) !== pb.has(k)) return false;
  }
  for (const [k, v] of pa) {
    if (pb.has(k) && pb.get(k) !== v) return false;
  }
  const ha = normHeaders(a.headers);
  const hb = normHeaders(b.headers);
  if (ha.size !== hb.size) return false;
  for (const [k, v] of ha) if (hb.get(k) !== v) return false;
  return true;
}

function normParams(p: Record<string, string | null>): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const k in p) {
    const v = p[k];
    m.set(unescapeUser(k).toLowerCase(), v === null || v === undefined ? null : unescapeUser(v).toLowerCase());
  }
  return m;
}

function normHeaders(h: Record<string, string>): Map<string, string> {
  const m = new Map<string, string>();
  for (const k in h) m.set(unescapeUser(k).toLowerCase(), unescapeUser(h[k] ?? ''));
  return m;
}

/** Lower-case ASCII letters only (byte-preserving for latin1 strings). */
export function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

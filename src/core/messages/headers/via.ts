// Via header values (RFC 3261 §20.42): sent-protocol sent-by *(;via-params),
// with LWS allowed around '/', ':', ';' and '='.
import { HOST, IPV6, TOKEN, skipWs } from './chars.js';
import { formatParams, parseParams } from './params.js';
import { splitList } from './list.js';
import { lowerAscii } from './uri.js';

export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // upper-case: UDP, TCP, TLS, WS, WSS, SCTP, ...
  host: string; // lower-case; IPv6 keeps brackets
  port?: number;
  params: Record<string, string | null>; // names lower-cased (branch, received, rport, ...)
}

/** One header value may hold several comma-separated vias; null when any is malformed. */
export function parseVia(value: string): Via[] | null {
  return parseViaRange(value, 0, value.length);
}

/** parseVia of s[start,end). */
export function parseViaRange(s: string, start: number, end: number): Via[] | null {
  // Usually one Via: parse it in place. Only a value that fails as one Via and
  // has a comma is split (a comma inside a quoted param does not split).
  const v = parseOneVia(s, start, end, true);
  if (v !== null) return [v];
  if (!hasComma(s, start, end)) return null;
  const out: Via[] = [];
  for (const p of splitList(s.slice(start, end))) {
    const w = parseOneVia(p, 0, p.length, true);
    if (w === null) return null;
    out.push(w);
  }
  return out.length > 0 ? out : null;
}

/** Validate a Via header value without building objects. */
export function isValidVia(value: string): boolean {
  return isValidViaRange(value, 0, value.length);
}

/** isValidVia of s[start,end). */
export function isValidViaRange(s: string, start: number, end: number): boolean {
  if (parseOneVia(s, start, end, false) !== null) return true;
  if (!hasComma(s, start, end)) return false;
  const parts = splitList(s.slice(start, end));
  for (const p of parts) if (parseOneVia(p, 0, p.length, false) === null) return false;
  return parts.length > 0;
}

function hasComma(s: string, start: number, end: number): boolean {
  const c = s.indexOf(',', start);
  return c >= 0 && c < end;
}

const VALID: Via = { protocol: '', transport: '', host: '', params: {} };

function token(s: string, i: number, n: number): number {
  while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
  return i;
}

/** One Via in s[start,n): sent-protocol LWS sent-by *(;via-params). */
function parseOneVia(s: string, start: number, n: number, build: boolean): Via | null {
  let i = skipWs(s, start, n);
  const a = i;
  i = token(s, i, n);
  if (i === a) return null;
  const ae = i;
  i = skipWs(s, i, n);
  if (i >= n || s.charCodeAt(i) !== 47 /* / */) return null;
  i = skipWs(s, i + 1, n);
  const b = i;
  i = token(s, i, n);
  if (i === b) return null;
  const be = i;
  i = skipWs(s, i, n);
  if (i >= n || s.charCodeAt(i) !== 47) return null;
  i = skipWs(s, i + 1, n);
  const c = i;
  i = token(s, i, n);
  if (i === c) return null;
  const ce = i;
  const ws = i;
  i = skipWs(s, i, n);
  if (i === ws) return null;

  const hs = i;
  if (i < n && s.charCodeAt(i) === 91 /* [ */) {
    i++;
    while (i < n && IPV6[s.charCodeAt(i)] === 1) i++;
    if (i >= n || s.charCodeAt(i) !== 93 || i === hs + 1) return null;
    i++;
  } else {
    while (i < n && HOST[s.charCodeAt(i)] === 1) i++;
  }
  if (i === hs) return null;
  let via = VALID;
  if (build) {
    const name = s.slice(a, ae);
    via = {
      protocol: (name === 'SIP' ? name : name.toUpperCase()) + '/' + s.slice(b, be),
      transport: upperAscii(s.slice(c, ce)),
      host: lowerAscii(s.slice(hs, i)),
      params: {},
    };
  }
  let j = skipWs(s, i, n);
  if (j < n && s.charCodeAt(j) === 58 /* : */) {
    j = skipWs(s, j + 1, n);
    let port = 0;
    const ps = j;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d < 48 || d > 57) break;
      port = port * 10 + (d - 48);
      j++;
    }
    if (j === ps || j - ps > 5 || port > 65535) return null;
    if (build) via.port = port;
    i = j;
  }
  const end = parseParams(s, i, n, build ? via.params : null);
  return end === n ? via : null;
}

export function formatVia(v: Via): string {
  return v.protocol + '/' + v.transport + ' ' + v.host + (v.port !== undefined ? ':' + v.port : '') + formatParams(v.params);
}

function upperAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) return s.toUpperCase();
  }
  return s;
}

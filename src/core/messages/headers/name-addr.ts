// name-addr / addr-spec values of From, To, Contact, Route, Record-Route, ...
// (RFC 3261 §20.10, §25.1).
import { TOKEN, isWs, quote, skipQuoted, skipWs, trimEnd, unquote } from './chars.js';
import { splitList } from './list.js';
import { formatParams, parseParams } from './params.js';
import { scanUriAfterScheme, schemeEnd } from './uri.js';

export interface NameAddr {
  displayName?: string; // unquoted and unescaped; token form kept as written (trimmed)
  uri: string; // raw URI text without <>
  params: Record<string, string | null>; // header params; names lower-cased, values as received
}

/** Parse a name-addr or addr-spec (with header params); null when malformed. */
export function parseNameAddr(s: string): NameAddr | null {
  const na: NameAddr = { uri: '', params: {} };
  return scanNameAddr(s, na) ? na : null;
}

/** Validate without building (used by the message parser). */
export function isValidNameAddr(s: string): boolean {
  return scanNameAddr(s, null);
}

function scanNameAddr(s: string, na: NameAddr | null): boolean {
  const n = s.length;
  let i = skipWs(s, 0, n);
  if (i >= n) return false;
  let displayName: string | undefined;
  let laquot = -1;

  if (s.charCodeAt(i) === 34 /* " */) {
    const q = skipQuoted(s, i, n);
    if (q < 0) return false;
    if (na !== null) displayName = unquote(s.slice(i, q));
    i = skipWs(s, q, n);
    if (s.charCodeAt(i) !== 60 /* < */) return false;
    laquot = i;
  } else {
    // Token display name followed by '<', or an addr-spec.
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (TOKEN[c] !== 1 && !isWs(c)) break;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 60) {
      laquot = j;
      const de = trimEnd(s, i, j);
      if (de > i && na !== null) displayName = s.slice(i, de);
    }
  }

  if (na !== null && displayName !== undefined) na.displayName = displayName;

  if (laquot >= 0) {
    const us = laquot + 1;
    const ue = s.indexOf('>', us);
    if (ue < 0) return false;
    const uri = s.slice(us, ue);
    if (!validUri(uri)) return false;
    if (na !== null) na.uri = uri;
    i = ue + 1;
  } else {
    // addr-spec: the URI ends at the first ';' (what follows are header params).
    let j = i;
    while (j < n) {
      const c = s.charCodeAt(j);
      if (c === 59) break;
      // RFC 3261 §20: a URI with ',', '?' or ';' must be enclosed in <>.
      if (c === 44 || c === 63 || c === 60 || c === 62 || c === 34) return false;
      j++;
    }
    const ue = trimEnd(s, i, j);
    const uri = s.slice(i, ue);
    if (!validUri(uri)) return false;
    if (na !== null) na.uri = uri;
    i = j;
  }
  return parseParams(s, i, n, na === null ? null : na.params) === n;
}

/** A URI with a valid scheme and no whitespace; sip/sips/tel must fully parse. */
function validUri(uri: string): boolean {
  const colon = schemeEnd(uri);
  if (colon < 0 || colon === uri.length - 1) return false;
  const kind = sipKind(uri, colon);
  if (kind !== 0) return scanUriAfterScheme(uri, colon, kind === 3);
  for (let k = colon + 1; k < uri.length; k++) {
    const c = uri.charCodeAt(k);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 127) return false;
  }
  return true;
}

/** 1 sip, 2 sips, 3 tel, 0 other (case-insensitive, no allocation). */
function sipKind(u: string, colon: number): number {
  const a = u.charCodeAt(0) | 0x20;
  const b = u.charCodeAt(1) | 0x20;
  const c = u.charCodeAt(2) | 0x20;
  if (colon === 3) {
    if (a === 115 && b === 105 && c === 112) return 1;
    if (a === 116 && b === 101 && c === 108) return 3;
  } else if (colon === 4 && a === 115 && b === 105 && c === 112 && (u.charCodeAt(3) | 0x20) === 115) return 2;
  return 0;
}

/** Always formats as name-addr (URI in <>). */
export function formatNameAddr(n: NameAddr): string {
  const dn = n.displayName !== undefined && n.displayName !== '' ? quote(n.displayName) + ' ' : '';
  return dn + '<' + n.uri + '>' + formatParams(n.params);
}

/**
 * Contact values (as from headers.getAll('contact')): '*' for the lone
 * wildcard, the parsed list otherwise, null when any element is malformed.
 */
export function parseContactList(value: string[] | string): '*' | NameAddr[] | null {
  return scanContacts(value, true) as '*' | NameAddr[] | null;
}

/** Validate Contact values without building them. */
export function isValidContactList(value: string[]): boolean {
  return scanContacts(value, false) !== null;
}

function scanContacts(value: string[] | string, build: boolean): '*' | NameAddr[] | true | null {
  const values = typeof value === 'string' ? [value] : value;
  const out: NameAddr[] = [];
  let star = false;
  let count = 0;
  for (const v of values) {
    const els = v.indexOf(',') < 0 ? (v.trim() === '' ? [] : [v.trim()]) : splitList(v);
    for (const el of els) {
      count++;
      if (el === '*') {
        star = true;
        continue;
      }
      if (build) {
        const na = parseNameAddr(el);
        if (na === null) return null;
        out.push(na);
      } else if (!scanNameAddr(el, null)) return null;
    }
  }
  if (star) return count === 1 ? '*' : null;
  return build ? out : true;
}

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
  return parseNameAddrRange(s, 0, s.length);
}

/** parseNameAddr of s[start,end). */
export function parseNameAddrRange(s: string, start: number, end: number): NameAddr | null {
  const na: NameAddr = { uri: '', params: {} };
  return scanNameAddr(s, start, end, na) ? na : null;
}

function scanNameAddr(s: string, start: number, n: number, na: NameAddr | null): boolean {
  let i = skipWs(s, start, n);
  if (i >= n) return false;
  let displayName: string | undefined;
  let laquot = -1;

  if (s.charCodeAt(i) === 34 /* " */) {
    const q = skipQuoted(s, i, n);
    if (q < 0) return false;
    if (na !== null) displayName = unquote(s.slice(i, q));
    i = skipWs(s, q, n);
    if (i >= n || s.charCodeAt(i) !== 60 /* < */) return false;
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
    if (ue < 0 || ue >= n) return false;
    if (!validUri(s, us, ue)) return false;
    if (na !== null) na.uri = s.slice(us, ue);
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
    if (!validUri(s, i, ue)) return false;
    if (na !== null) na.uri = s.slice(i, ue);
    i = j;
  }
  return parseParams(s, i, n, na === null ? null : na.params) === n;
}

/** s[start,end) is a URI with a valid scheme and no whitespace; sip/sips/tel must fully parse. */
function validUri(s: string, start: number, end: number): boolean {
  const colon = schemeEnd(s, start, end);
  if (colon < 0 || colon === end - 1) return false;
  const kind = sipKind(s, start, colon);
  if (kind !== 0) return scanUriAfterScheme(s, colon, kind === 3, end);
  for (let k = colon + 1; k < end; k++) {
    const c = s.charCodeAt(k);
    if (c <= 32 || c === 60 || c === 62 || c === 34 || c === 127) return false;
  }
  return true;
}

/** 1 sip, 2 sips, 3 tel, 0 other (case-insensitive, no allocation). */
function sipKind(u: string, start: number, colon: number): number {
  const a = u.charCodeAt(start) | 0x20;
  const b = u.charCodeAt(start + 1) | 0x20;
  const c = u.charCodeAt(start + 2) | 0x20;
  const len = colon - start;
  if (len === 3) {
    if (a === 115 && b === 105 && c === 112) return 1;
    if (a === 116 && b === 101 && c === 108) return 3;
  } else if (len === 4 && a === 115 && b === 105 && c === 112 && (u.charCodeAt(start + 3) | 0x20) === 115) return 2;
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
  const scan = new ContactScan(true);
  for (const v of typeof value === 'string' ? [value] : value) if (!scan.add(v, 0, v.length)) return null;
  return scan.result() as '*' | NameAddr[] | null;
}

/** Collects the elements of Contact values, one value at a time. */
export class ContactScan {
  private readonly out: NameAddr[] | null;
  private count = 0;
  private star = false;

  constructor(build: boolean) {
    this.out = build ? [] : null;
  }

  /** Add the elements of the value s[start,end); false when one is malformed. */
  add(s: string, start: number, end: number): boolean {
    const c = s.indexOf(',', start);
    if (c < 0 || c >= end) {
      // A single element: scan it in place, within the bounds String.prototype.trim would give.
      let a = start;
      let b = end;
      while (a < b && isTrimmed(s.charCodeAt(a))) a++;
      while (b > a && isTrimmed(s.charCodeAt(b - 1))) b--;
      return a === b || this.element(s, a, b);
    }
    for (const el of splitList(s.slice(start, end))) if (!this.element(el, 0, el.length)) return false;
    return true;
  }

  /** '*' alone, the list (true when not building), or null for '*' among others. */
  result(): '*' | NameAddr[] | true | null {
    if (this.star) return this.count === 1 ? '*' : null;
    return this.out ?? true;
  }

  private element(s: string, start: number, end: number): boolean {
    this.count++;
    if (end - start === 1 && s.charCodeAt(start) === 42 /* * */) {
      this.star = true;
      return true;
    }
    if (this.out === null) return scanNameAddr(s, start, end, null);
    const na = parseNameAddrRange(s, start, end);
    if (na === null) return false;
    this.out.push(na);
    return true;
  }
}

/** Chars String.prototype.trim removes, among latin1 (one char per byte) ones. */
function isTrimmed(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 160;
}

// Character classes from RFC 3261 §25.1, as lookup tables indexed by char code
// (latin1 strings, so codes are 0..255). Lookup tables beat regexes in hot paths.

function table(chars: string, ranges: Array<[number, number]>): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = 1;
  for (const [a, b] of ranges) for (let c = a; c <= b; c++) t[c] = 1;
  return t;
}

const ALNUM: Array<[number, number]> = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x61, 0x7a],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
export const TOKEN = table("-.!%*_+`'~", ALNUM);
/** Host name / IPv4 characters (hostname = labels of alphanum and '-'). */
export const HOST = table('-.', ALNUM);
/** URI scheme characters after the first ALPHA. */
export const SCHEME = table('+-.', ALNUM);
/** Characters allowed inside a URI (uric plus the escaping '%'), i.e. no space, '<', '>', '"'. */
export const URIC = table(";/?:@&=+$,-_.!~*'()%[]#{}|\\^`", ALNUM);
/** IPv6 reference content between brackets. */
export const IPV6 = table(':.abcdefABCDEF', [[0x30, 0x39]]);

export function isWs(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

/** Index of first non-whitespace char at or after i (LWS includes folded CR/LF). */
export function skipWs(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    i++;
  }
  return i;
}

/** Index just past the last non-whitespace char before end. */
export function trimEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) break;
    end--;
  }
  return end;
}

/**
 * Index just past the closing quote of the quoted-string opening at `i`
 * (s[i] === '"'), or -1 if unterminated. quoted-pair = "\" %x00-09 / %x0B-0C / %x0E-7F.
 */
export function skipQuoted(s: string, i: number, end: number): number {
  // Fast path: no backslash before the closing quote (native scans, no per-char loop).
  const q = s.indexOf('"', i + 1);
  if (q === -1 || q >= end) return -1; // no quote char at all: unterminated whatever the escapes
  const b = s.indexOf('\\', i + 1);
  if (b < 0 || b > q) return q + 1;
  i++;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c === 92) {
      // An escape as the range's last character reads one past it, then the loop ends: -1 all the same.
      const n = s.charCodeAt(i + 1);
      if (n === 10 || n === 13 || n > 0x7f) return -1;
      i += 2;
      continue;
    }
    i++;
  }
  return -1;
}

/** Unquote a quoted-string (with surrounding quotes) and undo quoted-pairs. */
export function unquote(q: string): string {
  let inner = q.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (c === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += c;
  }
  inner = out;
  return inner;
}

/** Quote a string as a quoted-string, escaping '"', '\' and control chars. */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 || c === 92 || (c < 32 && c !== 9) || c === 127) out += '\\' + s[i];
    else out += s[i];
  }
  return out + '"';
}

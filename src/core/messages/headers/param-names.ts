// Interning of well-known parameter names. Using a constant (internalized)
// string as a property key is much cheaper in V8 than a freshly sliced one,
// and saves the slice and lower-casing too.
import { TOKEN } from './chars.js';

const KNOWN = [
  // Via, URI and header params
  'branch',
  'received',
  'rport',
  'maddr',
  'ttl',
  'transport',
  'lr',
  'user',
  'method',
  'tag',
  'expires',
  'q',
  '+sip.instance',
  'reg-id',
  'ob',
  'alias',
  'gr',
  'pub-gruu',
  'temp-gruu',
  '+sip.ice',
  'methods',
  'keep',
  'phone-context',
  'isub',
  'ext',
  'cause',
  'text',
  'reason',
  'duration',
  'handling',
  'purpose',
  'boundary',
  'charset',
  // Digest (RFC 7616 / 8760)
  'username',
  'realm',
  'nonce',
  'uri',
  'response',
  'algorithm',
  'cnonce',
  'opaque',
  'qop',
  'nc',
  'stale',
  'domain',
  'userhash',
  'nextnonce',
  'rspauth',
  'auts',
];

const SIZE = 256;
const TABLE: Array<string | undefined> = new Array<string | undefined>(SIZE);
let misses = 0;

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
for (const k of KNOWN) {
  let slot = hash(k) & (SIZE - 1);
  while (TABLE[slot] !== undefined) slot = (slot + 1) & (SIZE - 1);
  TABLE[slot] = k;
}

/**
 * Lower-cased name of s[start,end): a constant string for well-known names,
 * a new string otherwise.
 */
export function paramName(s: string, start: number, end: number): string {
  let h = 0;
  let upper = false;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) {
      c += 32;
      upper = true;
    }
    h = (Math.imul(h, 31) + c) | 0;
  }
  return lookup(s, start, end, h, upper);
}

/**
 * The token at s[start..] (up to end) as a lower-cased name, as paramName
 * would give it; '' when s[start] is not a token char. Lower-casing keeps the
 * length (token chars are ASCII), so the token ends at start + result.length.
 * One pass: scanning, lower-casing and hashing together.
 */
export function scanParamName(s: string, start: number, end: number): string {
  let h = 0;
  let upper = false;
  let i = start;
  for (; i < end; i++) {
    let c = s.charCodeAt(i);
    if (TOKEN[c] !== 1) break;
    if (c <= 90 && c >= 65) {
      c += 32;
      upper = true;
    }
    h = (Math.imul(h, 31) + c) | 0;
  }
  return i === start ? '' : lookup(s, start, i, h, upper);
}

function lookup(s: string, start: number, end: number, h: number, upper: boolean): string {
  const len = end - start;
  let slot = h & (SIZE - 1);
  for (;;) {
    const k = TABLE[slot];
    if (k === undefined) break;
    if (k.length === len && sameLower(s, start, k)) return k;
    slot = (slot + 1) & (SIZE - 1);
  }
  misses++;
  const raw = s.slice(start, end);
  return upper ? raw.toLowerCase() : raw;
}

/**
 * How many names so far were not well-known ones (and so were sliced and
 * lower-cased): what lets a test see that a well-known name is found.
 */
export function paramNameMisses(): number {
  return misses;
}

function sameLower(s: string, start: number, k: string): boolean {
  for (let j = 0; j < k.length; j++) {
    let c = s.charCodeAt(start + j);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== k.charCodeAt(j)) return false;
  }
  return true;
}

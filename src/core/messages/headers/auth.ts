// Credentials / challenges: auth-scheme LWS auth-param *(COMMA auth-param)
// (RFC 3261 §25.1, RFC 7616, RFC 8760).
import { TOKEN, quote, skipWs, unquote } from './chars.js';
import { scanParamName } from './param-names.js';

export interface Credentials {
  scheme: string; // as received, e.g. "Digest"
  params: Record<string, string>; // names lower-cased; quoted values unquoted and unescaped
}

/** Parse an Authorization / Proxy-Authorization (or *-Authenticate) value; null when malformed. */
export function parseCredentials(value: string): Credentials | null {
  return parseCredentialsRange(value, 0, value.length);
}

/** parseCredentials of s[start,n). */
export function parseCredentialsRange(s: string, start: number, n: number): Credentials | null {
  let i = skipWs(s, start, n);
  const ss = i;
  while (i < n && TOKEN[s.charCodeAt(i)] === 1) i++;
  if (i === ss) return null;
  const creds: Credentials = { scheme: s.slice(ss, i), params: {} };
  const ws = i;
  i = skipWs(s, i, n);
  if (i >= n) return creds;
  if (i === ws) return null;
  // Without any backslash, a quoted value ends at the next quote: find it natively.
  const bs = s.indexOf('\\', i);
  const plain = bs < 0 || bs >= n;
  for (;;) {
    const name = scanParamName(s, i, n);
    if (name.length === 0) return null;
    i = skipWs(s, i + name.length, n);
    if (i >= n || s.charCodeAt(i) !== 61 /* = */) return null;
    i = skipWs(s, i + 1, n);
    let v: string;
    if (i < n && s.charCodeAt(i) === 34) {
      const qs = i + 1;
      if (plain) {
        i = s.indexOf('"', qs);
        if (i < 0 || i >= n) return null;
        v = s.slice(qs, i);
      } else {
        let escaped = false;
        for (i = qs; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c === 34) break;
          if (c === 92) {
            escaped = true;
            i++;
          }
        }
        if (i >= n) return null;
        v = escaped ? unquote(s.slice(qs - 1, i + 1)) : s.slice(qs, i);
      }
      i++;
    } else {
      const vs = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
        i++;
      }
      if (i === vs) return null;
      v = s.slice(vs, i);
    }
    creds.params[name] = v;
    i = skipWs(s, i, n);
    if (i >= n) return creds;
    if (s.charCodeAt(i) !== 44 /* , */) return null;
    i = skipWs(s, i + 1, n);
    if (i >= n) return null;
  }
}

/** Format e.g. `Digest realm="x", nonce="y", algorithm=MD5`. */
export function formatChallenge(scheme: string, params: Array<[name: string, value: string, quoted: boolean]>): string {
  return scheme + ' ' + params.map(([n, v, q]) => n + '=' + (q ? quote(v) : v)).join(', ');
}

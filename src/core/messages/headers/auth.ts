// Credentials / challenges: auth-scheme LWS auth-param *(COMMA auth-param)
// (RFC 3261 §25.1, RFC 7616, RFC 8760).
import { TOKEN, quote, skipWs, unquote } from './chars.js';
import { paramName } from './param-names.js';

export interface Credentials {
  scheme: string; // as received, e.g. "Digest"
  params: Record<string, string>; // names lower-cased; quoted values unquoted and unescaped
}

/** Parse an Authorization / Proxy-Authorization (or *-Authenticate) value; null when malformed. */
export function parseCredentials(value: string): Credentials | null {
  const n = value.length;
  let i = skipWs(value, 0, n);
  const ss = i;
  while (i < n && TOKEN[value.charCodeAt(i)] === 1) i++;
  if (i === ss) return null;
  const creds: Credentials = { scheme: value.slice(ss, i), params: {} };
  const ws = i;
  i = skipWs(value, i, n);
  if (i >= n) return creds;
  if (i === ws) return null;
  for (;;) {
    const ns = i;
    while (i < n && TOKEN[value.charCodeAt(i)] === 1) i++;
    if (i === ns) return null;
    const name = paramName(value, ns, i);
    i = skipWs(value, i, n);
    if (value.charCodeAt(i) !== 61 /* = */) return null;
    i = skipWs(value, i + 1, n);
    let v: string;
    if (value.charCodeAt(i) === 34) {
      const qs = i + 1;
      let escaped = false;
      for (i = qs; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c === 34) break;
        if (c === 92) {
          escaped = true;
          i++;
        }
      }
      if (i >= n) return null;
      v = escaped ? unquote(value.slice(qs - 1, i + 1)) : value.slice(qs, i);
      i++;
    } else {
      const vs = i;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 44 || c === 32 || c === 9 || c === 13 || c === 10) break;
        i++;
      }
      if (i === vs) return null;
      v = value.slice(vs, i);
    }
    creds.params[name] = v;
    i = skipWs(value, i, n);
    if (i >= n) return creds;
    if (value.charCodeAt(i) !== 44 /* , */) return null;
    i = skipWs(value, i + 1, n);
    if (i >= n) return null;
  }
}

/** Format e.g. `Digest realm="x", nonce="y", algorithm=MD5`. */
export function formatChallenge(scheme: string, params: Array<[name: string, value: string, quoted: boolean]>): string {
  return scheme + ' ' + params.map(([n, v, q]) => n + '=' + (q ? quote(v) : v)).join(', ');
}

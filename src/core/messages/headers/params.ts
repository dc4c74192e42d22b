// Generic header parameters: *( SEMI generic-param ), with LWS allowed around
// ';' and '=' (RFC 3261 §25.1). Names are lower-cased; values kept as received
// (a quoted-string value keeps its quotes).
import { TOKEN, skipQuoted, skipWs } from './chars.js';
import { scanParamName } from './param-names.js';

/**
 * Parse params from s[i, end). Returns the index where parsing stopped (end on
 * success; the index of an unexpected char otherwise) or -1 on a syntax error.
 */
export function parseParams(s: string, i: number, end: number, out: Record<string, string | null> | null): number {
  for (;;) {
    i = skipWs(s, i, end);
    if (i >= end) return end;
    if (s.charCodeAt(i) !== 59 /* ; */) return i;
    i = skipWs(s, i + 1, end);
    let name = '';
    if (out !== null) {
      name = scanParamName(s, i, end);
      if (name.length === 0) return -1;
      i += name.length;
    } else {
      const ns = i;
      while (i < end && TOKEN[s.charCodeAt(i)] === 1) i++;
      if (i === ns) return -1;
    }
    i = skipWs(s, i, end);
    if (i < end && s.charCodeAt(i) === 61 /* = */) {
      i = skipWs(s, i + 1, end);
      const vs = i;
      if (i < end && s.charCodeAt(i) === 34) {
        i = skipQuoted(s, i, end);
        if (i < 0) return -1;
      } else {
        while (i < end) {
          const c = s.charCodeAt(i);
          if (TOKEN[c] === 1 || c === 58 || c === 91 || c === 93) i++;
          else break;
        }
      }
      if (i === vs) return -1;
      if (out !== null) out[name] = s.slice(vs, i);
    } else if (out !== null) {
      out[name] = null;
    }
  }
}

export function formatParams(params: Record<string, string | null>): string {
  let out = '';
  for (const k in params) {
    const v = params[k];
    out += v === null || v === undefined ? ';' + k : ';' + k + '=' + v;
  }
  return out;
}

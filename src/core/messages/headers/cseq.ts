// CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); sequence must be < 2**31.
import { TOKEN, skipWs } from './chars.js';

export function parseCSeq(value: string): { seq: number; method: string } | null {
  const n = value.length;
  let i = skipWs(value, 0, n);
  const ds = i;
  let seq = 0;
  while (i < n) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) break;
    seq = seq * 10 + (c - 48);
    if (seq > 0x7fffffff) return null;
    i++;
  }
  if (i === ds) return null;
  const ws = i;
  i = skipWs(value, i, n);
  if (i === ws) return null;
  const ms = i;
  while (i < n && TOKEN[value.charCodeAt(i)] === 1) i++;
  if (i === ms) return null;
  const method = value.slice(ms, i);
  if (skipWs(value, i, n) !== n) return null;
  return { seq, method };
}

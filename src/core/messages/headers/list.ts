// Comma-separated header lists (RFC 3261 §7.3.1): commas inside quoted strings
// or <...> URIs do not separate elements.

/** Split a header value at top-level commas; elements trimmed, empty ones dropped. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  const n = value.length;
  let start = 0;
  let angle = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip quoted string, honouring \ escapes; unterminated runs to the end.
      i++;
      while (i < n) {
        const d = value.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
    } else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      push(out, value, start, i);
      start = i + 1;
    }
  }
  push(out, value, start, n);
  return out;
}

function push(out: string[], s: string, a: number, b: number): void {
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  if (b > a) out.push(a === 0 && b === s.length ? s : s.slice(a, b));
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10;
}

import { parseChallenge, type Challenge } from './sip-digest.js';

/**
 * A SIP message as the test client sees it: start line, headers in order
 * (names lower-cased, compact forms expanded) and body. Parsed here, apart
 * from the server's parser, so a bug there cannot hide itself.
 */
const COMPACT: Record<string, string> = {
  v: 'via',
  i: 'call-id',
  m: 'contact',
  l: 'content-length',
  f: 'from',
  t: 'to',
  k: 'supported',
  c: 'content-type',
};

/** A parsed message received from the server. */
export class RawMessage {
  constructor(
    readonly raw: string,
    readonly startLine: string,
    /** [lower-case name, value] in order; compact names expanded. */
    readonly headers: Array<[string, string]>,
    readonly body: string,
  ) {}

  static parse(raw: string): RawMessage {
    const end = raw.indexOf('\r\n\r\n');
    const head = end < 0 ? raw : raw.slice(0, end);
    const [startLine = '', ...lines] = head.split('\r\n');
    const headers: Array<[string, string]> = [];
    for (const line of lines) {
      if (/^[ \t]/.test(line) && headers.length > 0) {
        headers[headers.length - 1]![1] += ` ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
    }
    return new RawMessage(raw, startLine, headers, end < 0 ? '' : raw.slice(end + 4));
  }

  get isResponse(): boolean {
    return this.startLine.startsWith('SIP/2.0 ');
  }

  get status(): number {
    return this.isResponse ? Number(this.startLine.split(' ')[1]) : 0;
  }

  get reason(): string {
    return this.isResponse ? this.startLine.split(' ').slice(2).join(' ') : '';
  }

  header(name: string): string | undefined {
    return this.headers.find(([n]) => n === name.toLowerCase())?.[1];
  }

  all(name: string): string[] {
    return this.headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v);
  }

  /** Every element of a comma-separated header, over all its occurrences. */
  list(name: string): string[] {
    return this.all(name).flatMap(splitList);
  }

  /** A request's method ('' for a response). */
  get method(): string {
    return this.isResponse ? '' : this.startLine.split(' ')[0]!;
  }

  /** A request's Request-URI ('' for a response). */
  get uri(): string {
    return this.isResponse ? '' : (this.startLine.split(' ')[1] ?? '');
  }

  get callId(): string {
    return this.header('call-id') ?? '';
  }

  get cseq(): string {
    return this.header('cseq') ?? '';
  }

  /** Every WWW-Authenticate challenge, in order. */
  get challenges(): Challenge[] {
    return this.all('www-authenticate').map(parseChallenge);
  }

  /** Contact header elements as [uri, lower-cased params]. */
  get contacts(): Array<{ uri: string; params: Record<string, string> }> {
    return this.list('contact').map((value) => {
      const m = /^\s*(?:"[^"]*"\s*)?<([^>]*)>(.*)$/.exec(value);
      const uri = m ? m[1]! : value.split(';')[0]!.trim();
      const rest = m ? m[2]! : value.slice(uri.length);
      const params: Record<string, string> = {};
      for (const p of rest.split(';').slice(1)) {
        const [k, v = ''] = p.split('=');
        params[k!.trim().toLowerCase()] = v.trim().replace(/^"(.*)"$/, '$1');
      }
      return { uri, params };
    });
  }
}

/** Split on commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '<') depth++;
    else if (!quoted && c === '>') depth--;
    else if (!quoted && depth === 0 && c === ',') {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

// Parsers for Headers.parsed(): each turns one header of a message into its
// parsed form, cached per message. The message validator seeds the cache with
// what it parses anyway, so a reader gets Via, From, To, CSeq and Contact free.
// Cached values are shared by every reader, hence the ReadonlyDeep types.
import type { Headers } from './headers.js';
import { parseCredentialsRange, type Credentials } from './headers/auth.js';
import { parseCSeq } from './headers/cseq.js';
import { ContactScan, parseNameAddrRange, type NameAddr } from './headers/name-addr.js';
import { parseViaRange, type Via } from './headers/via.js';

/** A read-only view of a parsed value (copy it, e.g. with copyVia, to change it). */
export type ReadonlyDeep<T> =
  T extends ReadonlyArray<infer U> ? ReadonlyArray<ReadonlyDeep<U>> : T extends object ? { readonly [K in keyof T]: ReadonlyDeep<T[K]> } : T;

export interface CSeq {
  seq: number;
  method: string;
}

/** The Vias of the first Via header line (a line may hold several, comma-separated). */
export function viaListOf(h: Headers, name: string): Via[] | null {
  return h._parseFirst(name, parseViaRange) ?? null;
}

/** A single name-addr header (From, To, Refer-To, ...). */
export function nameAddrOf(h: Headers, name: string): NameAddr | null {
  return h._parseFirst(name, parseNameAddrRange) ?? null;
}

export function cseqOf(h: Headers, name: string): CSeq | null {
  return parseCSeq(h.get(name) ?? '');
}

/** All Contact header lines: '*', the list ([] when absent), or null when malformed. */
export function contactsOf(h: Headers, name: string): '*' | NameAddr[] | null {
  const scan = new ContactScan(true);
  if (!h._eachValue(name, (s, start, end) => scan.add(s, start, end))) return null;
  return scan.result() as '*' | NameAddr[] | null;
}

/** Every line of an Authorization-like header, parsed (null for a malformed line). */
export function credentialsOf(h: Headers, name: string): Array<Credentials | null> {
  const out: Array<Credentials | null> = [];
  h._eachValue(name, (s, start, end) => {
    out.push(parseCredentialsRange(s, start, end));
    return true;
  });
  return out;
}

/** A mutable deep copy of a Via (e.g. to stamp received/rport on it). */
export function copyVia(v: ReadonlyDeep<Via>): Via {
  const c: Via = { protocol: v.protocol, transport: v.transport, host: v.host, params: { ...v.params } };
  if (v.port !== undefined) c.port = v.port;
  return c;
}

// Header set of a SIP message. A received message starts in "indexed" mode:
// one string holds the raw header section and a small-integer array holds offsets, so
// nothing is materialised until asked for. The first mutation switches to a
// plain array representation.
//
// Parsed values are cached per header (see `parsed`): a parser runs once per
// message, and any mutation of that header drops its cached values.
import { splitList } from './headers/list.js';
import { canonicalKey, displayNameOf, equalsLower, idOfKey, lowerNameOf } from './header-names.js';
import { cacheForget, cacheIndex } from './parsed-cache.js';

/** Ints per indexed header: id | folded<<16, nameStart, nameEnd, valueStart, valueEnd. */
export const SLOT = 5;
export const FOLDED = 1 << 16;

interface NameInfo {
  key: string; // canonical lower-case long name
  id: number; // known-header id, 0 if unknown
}
const nameInfoCache = new Map<string, NameInfo>();
function info(name: string): NameInfo {
  let ni = nameInfoCache.get(name);
  if (ni === undefined) {
    const key = canonicalKey(name);
    ni = { key, id: idOfKey(key) };
    if (nameInfoCache.size < 2048) nameInfoCache.set(name, ni);
  }
  return ni;
}
const keyOf = (name: string): string => info(name).key;

export class Headers {
  // Indexed mode (src !== null).
  private src: string | null = null;
  private idx: number[] | null = null;
  private n = 0;
  private cache: Array<string | undefined> | null = null;
  // Materialised mode.
  private names: string[] = [];
  private keys: string[] = [];
  private vals: string[] = [];
  // Parsed-value cache: flat (name, parse, value) triples; few entries, so a linear scan.
  private pc: unknown[] | null = null;

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [k, v] of init) this.append(k, v);
  }

  /** @internal Wrap an index built by the parser. */
  static fromIndex(src: string, idx: number[], count: number): Headers {
    const h = new Headers();
    h.src = src;
    h.idx = idx;
    h.n = count;
    return h;
  }

  /**
   * The value of `parse(this, name)`, computed on first use and cached until
   * header `name` is mutated (set / append / prepend / remove / removeFirst).
   * `parse` must read only header `name`. The cached value is SHARED by every
   * reader of this message: treat it as read-only (copy before changing it).
   */
  parsed<T>(name: string, parse: (headers: Headers, name: string) => T): T {
    const at = cacheIndex(this.pc, name, parse);
    if (at >= 0) return (this.pc as unknown[])[at] as T;
    const value = parse(this, name);
    this._setParsed(name, parse, value);
    return value;
  }

  /** @internal Store an already-parsed value (the message validator does this). */
  _setParsed<T>(name: string, parse: (headers: Headers, name: string) => T, value: T): void {
    const pc = this.pc;
    const at = cacheIndex(pc, name, parse);
    if (at >= 0) (pc as unknown[])[at] = value;
    else if (pc === null) this.pc = [name, parse, value];
    else pc.push(name, parse, value);
  }

  /** @internal The cached value, or undefined when not parsed yet. */
  _peekParsed<T>(name: string, parse: (headers: Headers, name: string) => T): T | undefined {
    const at = cacheIndex(this.pc, name, parse);
    return at >= 0 ? ((this.pc as unknown[])[at] as T) : undefined;
  }

  get size(): number {
    return this.src !== null ? this.n : this.keys.length;
  }

  get(name: string): string | undefined {
    const ni = info(name);
    if (this.src !== null) {
      const i = this.findIndexed(ni, 0);
      return i < 0 ? undefined : this.valueAt(i);
    }
    const i = this.keys.indexOf(ni.key);
    return i < 0 ? undefined : this.vals[i];
  }

  getAll(name: string): string[] {
    const ni = info(name);
    const out: string[] = [];
    if (this.src !== null) {
      for (let i = this.findIndexed(ni, 0); i >= 0; i = this.findIndexed(ni, i + 1)) out.push(this.valueAt(i));
      return out;
    }
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] === ni.key) out.push(this.vals[i] as string);
    return out;
  }

  getList(name: string): string[] {
    const all = this.getAll(name);
    if (all.length === 1) return splitList(all[0] as string);
    const out: string[] = [];
    for (const v of all) for (const e of splitList(v)) out.push(e);
    return out;
  }

  has(name: string): boolean {
    const ni = info(name);
    if (this.src !== null) return this.findIndexed(ni, 0) >= 0;
    return this.keys.indexOf(ni.key) >= 0;
  }

  /** Replace all occurrences (at the position of the first one, else at the end). */
  set(name: string, value: string): void {
    this.materialize();
    const ni = info(name);
    this.forget(ni.key);
    const first = this.keys.indexOf(ni.key);
    if (first < 0) {
      this.push(this.names.length, name, ni, value);
      return;
    }
    this.vals[first] = value;
    for (let i = this.keys.length - 1; i > first; i--) if (this.keys[i] === ni.key) this.del(i);
  }

  append(name: string, value: string): void {
    this.materialize();
    const ni = info(name);
    this.forget(ni.key);
    const last = this.keys.lastIndexOf(ni.key);
    this.push(last < 0 ? this.keys.length : last + 1, name, ni, value);
  }

  prepend(name: string, value: string): void {
    this.materialize();
    const ni = info(name);
    this.forget(ni.key);
    const first = this.keys.indexOf(ni.key);
    this.push(first < 0 ? 0 : first, name, ni, value);
  }

  remove(name: string): void {
    this.materialize();
    const key = info(name).key;
    this.forget(key);
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i] === key) this.del(i);
  }

  /** Remove the first occurrence; of a comma-list occurrence only its first element. */
  removeFirst(name: string): void {
    this.materialize();
    const key = info(name).key;
    this.forget(key);
    const first = this.keys.indexOf(key);
    if (first < 0) return;
    const parts = splitList(this.vals[first] as string);
    if (parts.length > 1) this.vals[first] = parts.slice(1).join(', ');
    else this.del(first);
  }

  entries(): Array<[name: string, value: string]> {
    const out: Array<[string, string]> = [];
    if (this.src !== null) {
      for (let i = 0; i < this.n; i++) out.push([this.nameAt(i), this.valueAt(i)]);
      return out;
    }
    for (let i = 0; i < this.keys.length; i++) out.push([this.names[i] as string, this.vals[i] as string]);
    return out;
  }

  clone(): Headers {
    const h = new Headers();
    // Cached values are read-only by contract, so the copy may share them.
    if (this.pc !== null) h.pc = this.pc.slice();
    if (this.src !== null) {
      h.src = this.src;
      h.idx = this.idx; // immutable once built
      h.n = this.n;
      h.cache = this.cache === null ? null : this.cache.slice();
    } else {
      h.names = this.names.slice();
      h.keys = this.keys.slice();
      h.vals = this.vals.slice();
    }
    return h;
  }

  /** Drop cached parsed values of header `key` (canonical lower-case name). */
  private forget(key: string): void {
    if (this.pc !== null) cacheForget(this.pc, key, keyOf);
  }

  // --- in-place parsing ---------------------------------------------------------
  // Parsers scan a value inside the received header section rather than a
  // sliced copy: V8 reads chars of a flat string markedly faster.

  /** @internal fn(s, start, end) on the value of the i-th indexed header (indexed mode only). */
  _parseAt<T>(i: number, fn: (s: string, start: number, end: number) => T): T {
    const idx = this.idx as number[];
    const o = i * SLOT;
    if (((idx[o] as number) & FOLDED) === 0) return fn(this.src as string, idx[o + 3] as number, idx[o + 4] as number);
    const v = this.valueAt(i);
    return fn(v, 0, v.length);
  }

  /** @internal fn(s, start, end) on the first value of header `name`; undefined when absent. */
  _parseFirst<T>(name: string, fn: (s: string, start: number, end: number) => T): T | undefined {
    const ni = info(name);
    if (this.src !== null) {
      const i = this.findIndexed(ni, 0);
      return i < 0 ? undefined : this._parseAt(i, fn);
    }
    const i = this.keys.indexOf(ni.key);
    if (i < 0) return undefined;
    const v = this.vals[i] as string;
    return fn(v, 0, v.length);
  }

  /** @internal fn(s, start, end) on each value of header `name` in order until it returns false (then false). */
  _eachValue(name: string, fn: (s: string, start: number, end: number) => boolean): boolean {
    const ni = info(name);
    if (this.src !== null) {
      for (let i = this.findIndexed(ni, 0); i >= 0; i = this.findIndexed(ni, i + 1)) if (!this._parseAt(i, fn)) return false;
      return true;
    }
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] !== ni.key) continue;
      const v = this.vals[i] as string;
      if (!fn(v, 0, v.length)) return false;
    }
    return true;
  }

  // --- indexed-mode helpers -------------------------------------------------

  /** @internal Value of the i-th indexed header (parser use; indexed mode only). */
  _valueAt(i: number): string {
    return this.valueAt(i);
  }

  /** @internal Known-header id of the i-th indexed header. */
  _idAt(i: number): number {
    return ((this.idx as number[])[i * SLOT] as number) & 0xffff;
  }

  private findIndexed(ni: NameInfo, from: number): number {
    const idx = this.idx as number[];
    const n = this.n;
    if (ni.id !== 0) {
      for (let i = from; i < n; i++) if (((idx[i * SLOT] as number) & 0xffff) === ni.id) return i;
      return -1;
    }
    const src = this.src as string;
    const key = ni.key;
    for (let i = from; i < n; i++) {
      const o = i * SLOT;
      if (((idx[o] as number) & 0xffff) !== 0) continue;
      const ns = idx[o + 1] as number;
      if ((idx[o + 2] as number) - ns === key.length && equalsLower(src, ns, key)) return i;
    }
    return -1;
  }

  private valueAt(i: number): string {
    let cache = this.cache;
    if (cache === null) cache = this.cache = new Array<string | undefined>(this.n);
    const hit = cache[i];
    if (hit !== undefined) return hit;
    const idx = this.idx as number[];
    const o = i * SLOT;
    let v = (this.src as string).slice(idx[o + 3], idx[o + 4]);
    // Undo folding: line break plus leading whitespace becomes one SP.
    if (((idx[o] as number) & FOLDED) !== 0) v = v.replace(/[ \t]*\r?\n[ \t]*/g, ' ');
    cache[i] = v;
    return v;
  }

  private nameAt(i: number): string {
    const idx = this.idx as number[];
    const id = (idx[i * SLOT] as number) & 0xffff;
    return id !== 0 ? displayNameOf(id) : (this.src as string).slice(idx[i * SLOT + 1], idx[i * SLOT + 2]);
  }

  // --- materialised-mode helpers -------------------------------------------

  private materialize(): void {
    if (this.src === null) return;
    const idx = this.idx as number[];
    const names: string[] = [];
    const keys: string[] = [];
    const vals: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const id = (idx[i * SLOT] as number) & 0xffff;
      const name = this.nameAt(i);
      names.push(name);
      keys.push(id !== 0 ? lowerNameOf(id) : name.toLowerCase());
      vals.push(this.valueAt(i));
    }
    this.names = names;
    this.keys = keys;
    this.vals = vals;
    this.src = null;
    this.idx = null;
    this.cache = null;
    this.n = 0;
  }

  private push(at: number, name: string, ni: NameInfo, value: string): void {
    const display = ni.id !== 0 ? displayNameOf(ni.id) : name.trim();
    if (at === this.names.length) {
      // Appending, as nearly every header added is: push costs a fraction of splice.
      this.names.push(display);
      this.keys.push(ni.key);
      this.vals.push(value);
      return;
    }
    this.names.splice(at, 0, display);
    this.keys.splice(at, 0, ni.key);
    this.vals.splice(at, 0, value);
  }

  private del(i: number): void {
    this.names.splice(i, 1);
    this.keys.splice(i, 1);
    this.vals.splice(i, 1);
  }
}

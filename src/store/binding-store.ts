import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import type { Binding } from '../registrar/binding.js';
import type { NonceUse } from '../auth/authenticator.js';
import type { Endpoint } from '../security/ban-rules.js';
import { parseBinding } from './schemas.js';
import { bindingSourceField } from './security-store.js';

/**
 * Bindings of every line in Redis, shared by all nodes. `reg:{sipId}` is a hash
 * of binding key -> JSON plus a version field; writers read, decide in plain
 * TypeScript (binding-rules.ts), then write with a compare-and-set on the
 * version, retrying when another node got there first.
 *
 * Expiry: `reg:{sipId}:due` (same hash tag as the hash) holds each binding's
 * expiry, and `reg:due` the lines to visit, scored at most by their earliest
 * expiry (only ever lowered by a writer, ZADD LT). The sweep takes a due line
 * off `reg:due` (the node whose ZREM succeeds does it), runs one script on
 * that line's two keys, and puts the line back with its next expiry. Each
 * script touches one slot; `reg:due` is touched by plain commands only.
 */
const VERSION_FIELD = '_v';
/** Keys outlive their last binding a little so a late refresh still sees the Call-ID/CSeq. */
const KEY_GRACE_MS = 1_000;

export interface StoredBindings {
  version: string;
  /** Everything stored, expired entries included (the caller decides what is live). */
  bindings: Binding[];
}

interface BindingCommands {
  ssBindingsCas(...keysAndArgs: Array<string | number>): Promise<Array<string | number>>;
  ssBindingsSweep(hash: string, due: string, now: number): Promise<string[]>;
}

/** How one write of a line's bindings ended (see BindingStore.write). */
export type WriteResult =
  /** The nonce-count did not go forwards: nothing was read or written. */
  | { kind: 'replay' }
  /** Written; `stored` is what the hash now holds. `sourceRecorded`: the regsrc entry was written with it. */
  | { kind: 'written'; stored: StoredBindings; sourceRecorded: boolean }
  /** Not written: the hash holds `stored` (another writer got there first, or it was a read). */
  | { kind: 'current'; stored: StoredBindings };

/** Where the endpoint that wrote the bindings is now recorded for the ban exemption (SecurityStore.recordBindingSource). */
export interface SourceRecord {
  from: Endpoint;
  /** The end of the last binding from that endpoint; 0: none left. */
  expiresAt: number;
  keepMs: number;
}

export interface WriteRequest {
  /** Checked (and recorded) before anything else; a replay stops the write. */
  nonceUse?: NonceUse | undefined;
  /** The state the new set was decided from; null: only read (and check the nonce-count). */
  read: StoredBindings | null;
  next?: Binding[];
  source?: SourceRecord;
}

/** Stored bindings of a line that has none: what a line this node has not seen yet most likely holds. */
export const NO_BINDINGS: StoredBindings = Object.freeze({ version: '0', bindings: [] });

export class BindingStore {
  private readonly commands: BindingCommands;
  /** Keys of other slots may join a script only on a single Redis. */
  private readonly cluster: boolean;
  private lastVersion = 0;

  constructor(private readonly redis: Redis) {
    // Three keys, or five on a single Redis (see write).
    defineScript(redis, 'ssBindingsCas', 'bindings-cas', null);
    defineScript(redis, 'ssBindingsSweep', 'bindings-sweep', 2);
    this.commands = redis as unknown as BindingCommands;
    this.cluster = (redis as { isCluster?: boolean }).isCluster === true;
  }

  async load(sipId: string): Promise<StoredBindings> {
    return storedFrom(await this.redis.hgetall(keys.bindings(sipId)));
  }

  /** Lines with at least one binding not yet swept (the sweep runs every second): the whole service's registered lines. */
  registeredLines(): Promise<number> {
    return this.redis.zcard(keys.bindingDueLines);
  }

  /** Live bindings, best q first (RFC 3261 §16.6: higher q is tried first). */
  async live(sipId: string, now: number): Promise<Binding[]> {
    const { bindings } = await this.load(sipId);
    return bindings.filter((b) => b.expiresAt > now).sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /**
   * Replaces the stored set with `next` if nobody wrote since `read` was loaded.
   * Returns false on a conflict; the caller reloads and decides again.
   */
  async replace(sipId: string, read: StoredBindings, next: Binding[]): Promise<boolean> {
    return (await this.write(sipId, { read, next })).kind === 'written';
  }

  /**
   * A REGISTER's store work in one script (lua/bindings-cas.lua): the
   * nonce-count check, then the compare-and-set of `next` against `read`'s
   * version, or, on a conflict or when `read` is null, the stored set. On a
   * single Redis the same script lists the line due for the sweep and
   * records the source endpoint; on a cluster (other slots) the due listing
   * follows in the same round trip and the source is left to the caller.
   */
  async write(sipId: string, request: WriteRequest): Promise<WriteResult> {
    const { read, nonceUse, source } = request;
    const next = request.next ?? [];
    const keyList: string[] = [keys.bindings(sipId), keys.bindingsDue(sipId), keys.nonceCount(nonceUse?.username ?? sipId, nonceUse?.nonce ?? '')];
    const args: Array<string | number> = [nonceUse?.nc ?? 0, nonceUse?.ttlMs ?? 0, read?.version ?? '', this.newVersion()];
    const latest = next.reduce((max, b) => Math.max(max, b.expiresAt), 0);
    args.push(next.length === 0 ? '0' : String(latest + KEY_GRACE_MS), next.length);
    for (const b of next) args.push(b.key, JSON.stringify(b), b.expiresAt);
    const nextKeys = new Set(next.map((b) => b.key));
    const deletions = (read?.bindings ?? []).map((b) => b.key).filter((k) => !nextKeys.has(k));
    args.push(deletions.length, ...deletions);
    const earliest = next.reduce((min, b) => Math.min(min, b.expiresAt), Infinity);
    const inScript = !this.cluster && read !== null;
    if (inScript) {
      keyList.push(keys.bindingDueLines, keys.bindingSources(source?.from.address ?? ''));
      args.push(next.length > 0 ? earliest : '', sipId, source ? bindingSourceField(source.from, sipId) : '', source?.expiresAt ?? 0, source?.keepMs ?? 0);
    }
    const written = this.commands.ssBindingsCas(keyList.length, ...keyList, ...args);
    // On a cluster: listed due in the same round trip, right behind the script. A listing for a
    // write that lost its compare-and-set only makes the sweep look at the line once for nothing.
    const listed = !inScript && read !== null && next.length > 0 ? this.redis.zadd(keys.bindingDueLines, 'LT', earliest, sipId) : null;
    const [reply] = await Promise.all([written, listed]);
    if (reply[0] === 0) return { kind: 'replay' };
    if (reply[0] === 1) return { kind: 'written', stored: { version: String(reply[1]), bindings: next }, sourceRecorded: inScript && !!source };
    return { kind: 'current', stored: storedFrom(pairs(reply.slice(1))) };
  }

  /** A version for a hash created anew: above any this node gave before, and unlike another node's. */
  private newVersion(): string {
    this.lastVersion = Math.max(this.lastVersion + 1, Date.now() * 1000 + Math.floor(Math.random() * 1000));
    return String(this.lastVersion);
  }

  /**
   * Removes bindings whose time is up; returns them so the caller can report each once.
   * `lastOfLine` marks the last one removed from a line that has no binding left (it is no longer registered).
   */
  async sweepExpired(now: number, limit = 500): Promise<Array<{ sipId: string; binding: Binding; lastOfLine: boolean }>> {
    const lines = await this.redis.zrangebyscore(keys.bindingDueLines, '-inf', now, 'LIMIT', 0, limit);
    const out: Array<{ sipId: string; binding: Binding; lastOfLine: boolean }> = [];
    for (const sipId of lines) {
      // Whoever removes the entry sweeps the line; another node skips it.
      if ((await this.redis.zrem(keys.bindingDueLines, sipId)) === 0) continue;
      const [nextDue, ...removed] = await this.commands.ssBindingsSweep(keys.bindings(sipId), keys.bindingsDue(sipId), now);
      if (nextDue) await this.redis.zadd(keys.bindingDueLines, 'LT', Number(nextDue), sipId);
      const found = removed.map((json) => parseBinding(json)).filter((b): b is Binding => b !== null);
      found.forEach((binding, i) => out.push({ sipId, binding, lastOfLine: !nextDue && i === found.length - 1 }));
    }
    return out;
  }
}

function storedFrom(hash: Record<string, string>): StoredBindings {
  const bindings: Binding[] = [];
  for (const [field, value] of Object.entries(hash)) {
    if (field === VERSION_FIELD) continue;
    // A damaged entry is dropped at the next write rather than blocking the line.
    const binding = parseBinding(value);
    if (binding) bindings.push(binding);
  }
  return { version: hash[VERSION_FIELD] ?? '0', bindings };
}

function pairs(flat: Array<string | number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = String(flat[i + 1]);
  return out;
}

import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import type { Binding } from '../registrar/binding.js';
import { parseBinding } from './schemas.js';

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
  ssBindingsCas(hash: string, due: string, ...args: Array<string | number>): Promise<number>;
  ssBindingsSweep(hash: string, due: string, now: number): Promise<string[]>;
}

export class BindingStore {
  private readonly commands: BindingCommands;

  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssBindingsCas', 'bindings-cas', 2);
    defineScript(redis, 'ssBindingsSweep', 'bindings-sweep', 2);
    this.commands = redis as unknown as BindingCommands;
  }

  async load(sipId: string): Promise<StoredBindings> {
    const hash = await this.redis.hgetall(keys.bindings(sipId));
    const bindings: Binding[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field === VERSION_FIELD) continue;
      // A damaged entry is dropped at the next write rather than blocking the line.
      const binding = parseBinding(value);
      if (binding) bindings.push(binding);
    }
    return { version: hash[VERSION_FIELD] ?? '0', bindings };
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
    const nextKeys = new Set(next.map((b) => b.key));
    const deletions = read.bindings.map((b) => b.key).filter((k) => !nextKeys.has(k));
    const latest = next.reduce((max, b) => Math.max(max, b.expiresAt), 0);
    const args: Array<string | number> = [read.version, next.length === 0 ? '0' : String(latest + KEY_GRACE_MS), next.length];
    for (const b of next) args.push(b.key, JSON.stringify(b), b.expiresAt);
    args.push(deletions.length, ...deletions);
    const written = this.commands.ssBindingsCas(keys.bindings(sipId), keys.bindingsDue(sipId), ...args);
    // Listed due in the same round trip, right behind the script (on one Redis, in that order). A listing
    // for a write that lost its compare-and-set only makes the sweep look at the line once for nothing.
    const earliest = next.reduce((min, b) => Math.min(min, b.expiresAt), Infinity);
    const [result] = await Promise.all([written, next.length > 0 ? this.redis.zadd(keys.bindingDueLines, 'LT', earliest, sipId) : null]);
    return result !== -1;
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

import type { Redis } from 'ioredis';

/**
 * What Redis holds for the keys a provisioning run touches, read in rounds
 * (later rounds depend on what earlier ones found). Every key read is
 * WATCHed first, so the MULTI/EXEC that follows fails if any of them changed
 * -- up to `watchLimit` keys: Redis checks each WATCHed key against every key
 * the connection already watches (quadratic: 20,000 lines spent 86 s in WATCH),
 * so a larger run reads unwatched, under the management lock (apply-plan.ts).
 */

export type Hash = Record<string, string>;

export type Read =
  { op: 'hgetall'; key: string } | { op: 'get'; key: string } | { op: 'smembers'; key: string } | { op: 'sismember'; key: string; member: string };

const id = (r: Read) => (r.op === 'sismember' ? `${r.op}\n${r.key}\n${r.member}` : `${r.op}\n${r.key}`);

/** Thrown by a watching snapshot asked to watch more than its limit. */
export class TooManyToWatch extends Error {
  constructor(limit: number) {
    super(`more than ${limit} keys to watch`);
  }
}

/** Keys per WATCH command: bounded, so no argument list grows with the file. */
const WATCH_CHUNK = 1_000;

export class Snapshot {
  private readonly values = new Map<string, unknown>();
  private readonly watched = new Set<string>();

  /** `watchLimit` undefined: nothing is watched (the caller holds the management lock). */
  constructor(
    private readonly redis: Redis,
    private readonly watchLimit?: number,
  ) {}

  /** WATCH and read everything not read yet, in one pipeline. */
  async load(reads: Read[]): Promise<void> {
    const todo = new Map<string, Read>();
    for (const r of reads) if (!this.values.has(id(r))) todo.set(id(r), r);
    if (todo.size === 0) return;
    if (this.watchLimit !== undefined) await this.watch(todo.values(), this.watchLimit);
    const p = this.redis.pipeline();
    for (const r of todo.values()) {
      if (r.op === 'hgetall') p.hgetall(r.key);
      else if (r.op === 'get') p.get(r.key);
      else if (r.op === 'smembers') p.smembers(r.key);
      else p.sismember(r.key, r.member);
    }
    const replies = await p.exec();
    if (!replies) throw new Error('Redis pipeline failed');
    let i = 0;
    for (const k of todo.keys()) {
      const [err, v] = replies[i++]!;
      if (err) throw err;
      this.values.set(k, v);
    }
  }

  private async watch(reads: Iterable<Read>, limit: number): Promise<void> {
    const fresh: string[] = [];
    for (const r of reads) {
      if (this.watched.has(r.key)) continue;
      this.watched.add(r.key);
      fresh.push(r.key);
    }
    if (this.watched.size > limit) throw new TooManyToWatch(limit);
    for (let i = 0; i < fresh.length; i += WATCH_CHUNK) await this.redis.watch(fresh.slice(i, i + WATCH_CHUNK));
  }

  /** HGETALL result ({} when absent or not read). */
  hash(key: string): Hash {
    return (this.values.get(id({ op: 'hgetall', key })) as Hash | undefined) ?? {};
  }

  str(key: string): string | null {
    return (this.values.get(id({ op: 'get', key })) as string | null | undefined) ?? null;
  }

  set(key: string): Set<string> {
    return new Set((this.values.get(id({ op: 'smembers', key })) as string[] | undefined) ?? []);
  }

  isMember(key: string, member: string): boolean {
    return this.values.get(id({ op: 'sismember', key, member })) === 1;
  }
}

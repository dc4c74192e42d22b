import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { parseHistoryEntry } from './schemas.js';
import type { Actor } from '../api/accounts/roles.js';

/** Settings history is kept this long (docs/product.md §6). */
export const HISTORY_RETENTION_MS = 180 * 24 * 3600_000;

export type HistoryTargetKind = 'number' | 'line' | 'site' | 'voice-group' | 'hunt-group' | 'bulk-group' | 'routing' | 'account';

export interface HistoryEntry {
  id: string;
  /** ISO time of the change. */
  at: string;
  account: string;
  role: Actor['role'];
  target: { kind: HistoryTargetKind; id: string };
  /** Where the target lives, so a site's or voice group's history can be read. */
  siteId?: string;
  voiceGroupId?: string;
  action: string;
  before: unknown;
  after: unknown;
}

export interface HistoryQuery {
  kind?: HistoryTargetKind;
  id?: string;
  siteId?: string;
  voiceGroupId?: string;
  /** ms since the epoch, inclusive. */
  from?: number;
  to?: number;
  limit?: number;
}

/**
 * Who changed what, when, with before and after (docs/product.md §6). One sorted set of
 * all entries by time plus one per target, per site and per voice group
 * (listed in `hist:indexes`); `purge()` cuts entries older than 180 days
 * from every one of them, and the per-target sets expire when they stop changing.
 */
export class HistoryStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number,
  ) {}

  async record(actor: Actor, change: Omit<HistoryEntry, 'id' | 'at' | 'account' | 'role'>): Promise<HistoryEntry> {
    const at = this.now();
    const entry: HistoryEntry = { id: randomBytes(8).toString('hex'), at: new Date(at).toISOString(), account: actor.name, role: actor.role, ...change };
    const json = JSON.stringify(entry);
    const cutoff = at - HISTORY_RETENTION_MS;
    const tx = this.redis.multi();
    for (const key of this.indexKeys(entry)) {
      tx.zadd(key, at, json).zremrangebyscore(key, '-inf', `(${cutoff}`);
      if (key !== keys.history) tx.pexpire(key, HISTORY_RETENTION_MS).sadd(keys.historyIndexes, key);
    }
    await tx.exec();
    return entry;
  }

  async query(q: HistoryQuery): Promise<HistoryEntry[]> {
    const key =
      q.kind && q.id
        ? keys.historyByTarget(q.kind, q.id)
        : q.siteId
          ? keys.historyByTarget('site-all', q.siteId)
          : q.voiceGroupId
            ? keys.historyByTarget('voice-group-all', q.voiceGroupId)
            : keys.history;
    const from = Math.max(q.from ?? 0, this.now() - HISTORY_RETENTION_MS);
    const rows = await this.redis.zrevrangebyscore(key, q.to ?? '+inf', from, 'LIMIT', 0, q.limit ?? 200);
    return rows.map((r) => parseHistoryEntry(r)).filter((e): e is HistoryEntry => e !== null);
  }

  /** Drops entries past retention from every set they are in; returns how many entries left the global set. */
  async purge(): Promise<number> {
    const cutoff = `(${this.now() - HISTORY_RETENTION_MS}`;
    const removed = await this.redis.zremrangebyscore(keys.history, '-inf', cutoff);
    for (const key of await this.redis.smembers(keys.historyIndexes)) {
      await this.redis.zremrangebyscore(key, '-inf', cutoff);
      // An index that is empty (or expired) is forgotten.
      if ((await this.redis.zcard(key)) === 0) await this.redis.srem(keys.historyIndexes, key);
    }
    return removed;
  }

  private indexKeys(e: HistoryEntry): string[] {
    return [
      keys.history,
      keys.historyByTarget(e.target.kind, e.target.id),
      ...(e.siteId ? [keys.historyByTarget('site-all', e.siteId)] : []),
      ...(e.voiceGroupId ? [keys.historyByTarget('voice-group-all', e.voiceGroupId)] : []),
    ];
  }
}

import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import { parseBan } from './schemas.js';
import type { BindingSource, Endpoint, FailureCounts } from '../security/ban-rules.js';

/** A banned source address, as listed to the operator. */
export interface Ban {
  address: string;
  reason: string;
  /** Failures from the address in the window when it was banned. */
  count: number;
  /** The SIP-ID of the failure that tipped it over. */
  sipId: string;
  /** ms since the epoch. */
  since: number;
  until: number;
}

/** The `regsrc:{address}` field of one endpoint and SIP-ID (also written by lua/bindings-cas.lua). */
export function bindingSourceField(from: Endpoint, sipId: string): string {
  return `${from.transport} ${from.port} ${sipId}`;
}

/** SIP-IDs in keys are cut to this length: an attacker chooses them. */
const MAX_ID_IN_KEY = 128;

interface CountCommand {
  ssCountInWindow(key: string, windowMs: number): Promise<number>;
}

/**
 * Failed-authentication counters, bans and the sources of live bindings, in
 * Redis so that every node counts, bans and exempts alike.
 */
export class SecurityStore {
  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssCountInWindow', 'count-in-window', 1);
  }

  /** Counts one failure from `address` for `sipId`; the counts in the window so far. */
  async countFailure(address: string, sipId: string, windowMs: number): Promise<FailureCounts> {
    // Two counters in two slots: each is counted atomically on its own (lua/count-in-window.lua).
    const count = this.redis as unknown as CountCommand;
    const [source, forSipId] = await Promise.all([
      count.ssCountInWindow(keys.authFailures(address), windowMs),
      count.ssCountInWindow(keys.authFailuresForSipId(sipId.slice(0, MAX_ID_IN_KEY)), windowMs),
    ]);
    return { source, sipId: forSipId };
  }

  /** Bans the address unless it already is; true when this call banned it (so it is logged once). */
  async ban(ban: Ban, now: number): Promise<boolean> {
    const created = await this.redis.set(keys.ban(ban.address), JSON.stringify(ban), 'PX', Math.max(1, ban.until - now), 'NX');
    if (created !== 'OK') return false;
    await this.redis.zadd(keys.banIndex, ban.until, ban.address);
    return true;
  }

  /** Lifts a ban and forgets the address's failures; false when it was not banned. */
  async unban(address: string): Promise<boolean> {
    // The ban record and the address's counter share the address's hash tag; the index is its own slot.
    const [results, unlisted] = await Promise.all([
      this.redis.multi().del(keys.ban(address)).del(keys.authFailures(address)).exec(),
      this.redis.zrem(keys.banIndex, address),
    ]);
    return Number(results?.[0]?.[1] ?? 0) > 0 || unlisted > 0;
  }

  /** Banned addresses and until when (ms), for the nodes' local cache. */
  async bannedUntil(now: number): Promise<Map<string, number>> {
    const flat = await this.redis.zrangebyscore(keys.banIndex, `(${now}`, '+inf', 'WITHSCORES');
    const out = new Map<string, number>();
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i]!, Number(flat[i + 1]));
    return out;
  }

  /** Every ban in force, soonest to end first. */
  async list(now: number): Promise<Ban[]> {
    await this.redis.zremrangebyscore(keys.banIndex, '-inf', now);
    const addresses = [...(await this.bannedUntil(now)).keys()];
    if (addresses.length === 0) return [];
    // One GET per address (each ban key is in its address's slot).
    const records = await Promise.all(addresses.map((a) => this.redis.get(keys.ban(a))));
    return records.flatMap((json) => {
      const ban = parseBan(json);
      return ban ? [ban] : [];
    });
  }

  /**
   * Remembers the endpoint a SIP-ID registered from, until `expiresAt` (0:
   * its bindings from there are gone). `keepMs` bounds the key's life: the
   * longest a binding can last.
   */
  async recordBindingSource(from: Endpoint, sipId: string, expiresAt: number, keepMs: number): Promise<void> {
    const key = keys.bindingSources(from.address);
    const field = bindingSourceField(from, sipId);
    if (expiresAt > 0) await this.redis.multi().hset(key, field, String(expiresAt)).pexpire(key, keepMs).exec();
    else await this.redis.hdel(key, field);
  }

  /** Endpoints at these addresses that hold (or held) a binding. */
  async bindingSources(addresses: readonly string[]): Promise<BindingSource[]> {
    if (addresses.length === 0) return [];
    const results = await Promise.all(addresses.map((a) => this.redis.hgetall(keys.bindingSources(a))));
    const out: BindingSource[] = [];
    results.forEach((hash, i) => {
      for (const [field, value] of Object.entries(hash ?? {})) {
        const [transport = '', port = '', ...rest] = field.split(' ');
        out.push({ transport, address: addresses[i]!, port: Number(port), sipId: rest.join(' '), expiresAt: Number(value) });
      }
    });
    return out;
  }
}

import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import type { BindingSource, Endpoint, FailureCounts } from './ban-rules.js';

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

/**
 * KEYS: source counter, SIP-ID counter. ARGV: window (ms). One failure counted
 * on both, each counter living one window from its first failure (a fixed
 * window per key: cheap, and good enough for "at most N per window").
 */
const COUNT_FAILURE = `
local source = redis.call('INCR', KEYS[1])
if source == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local sipId = redis.call('INCR', KEYS[2])
if sipId == 1 then redis.call('PEXPIRE', KEYS[2], ARGV[1]) end
return {source, sipId}`;

/** SIP-IDs in keys are cut to this length: an attacker chooses them. */
const MAX_ID_IN_KEY = 128;

interface CountCommand {
  ssCountAuthFailure(sourceKey: string, sipIdKey: string, windowMs: number): Promise<[number, number]>;
}

/**
 * Failed-authentication counters, bans and the sources of live bindings, in
 * Redis so that every node counts, bans and exempts alike.
 */
export class SecurityStore {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('ssCountAuthFailure', { numberOfKeys: 2, lua: COUNT_FAILURE });
  }

  /** Counts one failure from `address` for `sipId`; the counts in the window so far. */
  async countFailure(address: string, sipId: string, windowMs: number): Promise<FailureCounts> {
    const [source, forSipId] = await (this.redis as unknown as CountCommand).ssCountAuthFailure(
      keys.authFailures(address), keys.authFailuresForSipId(sipId.slice(0, MAX_ID_IN_KEY)), windowMs);
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
    const results = await this.redis.multi()
      .del(keys.ban(address))
      .zrem(keys.banIndex, address)
      .del(keys.authFailures(address))
      .exec();
    return Number(results?.[0]?.[1] ?? 0) > 0 || Number(results?.[1]?.[1] ?? 0) > 0;
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
    const records = await this.redis.mget(addresses.map((a) => keys.ban(a)));
    return records.flatMap((json) => {
      if (!json) return [];
      try {
        return [JSON.parse(json) as Ban];
      } catch {
        return [];
      }
    });
  }

  /**
   * Remembers the endpoint a SIP-ID registered from, until `expiresAt` (0:
   * its bindings from there are gone). `keepMs` bounds the key's life: the
   * longest a binding can last.
   */
  async recordBindingSource(from: Endpoint, sipId: string, expiresAt: number, keepMs: number): Promise<void> {
    const key = keys.bindingSources(from.address);
    const field = `${from.transport} ${from.port} ${sipId}`;
    if (expiresAt > 0) await this.redis.multi().hset(key, field, String(expiresAt)).pexpire(key, keepMs).exec();
    else await this.redis.hdel(key, field);
  }

  /** Endpoints at these addresses that hold (or held) a binding. */
  async bindingSources(addresses: readonly string[]): Promise<BindingSource[]> {
    if (addresses.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const address of addresses) pipeline.hgetall(keys.bindingSources(address));
    const results = (await pipeline.exec()) ?? [];
    const out: BindingSource[] = [];
    results.forEach(([, hash], i) => {
      for (const [field, value] of Object.entries((hash ?? {}) as Record<string, string>)) {
        const [transport = '', port = '', ...rest] = field.split(' ');
        out.push({ transport, address: addresses[i]!, port: Number(port), sipId: rest.join(' '), expiresAt: Number(value) });
      }
    });
    return out;
  }
}

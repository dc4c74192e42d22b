import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';

/**
 * Channel accounting per line, shared by all nodes (spec §2 "Channel count").
 *
 * `chan:{sipId}` is a sorted set of call-leg ids scored by the time (ms, the
 * Redis server's clock, so nodes with skewed clocks agree) at which the entry
 * expires. Every call leg on the line, incoming or outgoing, holds one entry.
 *
 * Contract for the router:
 * - `acquire` before offering a call to the line (or letting the line's call
 *   out). false = every channel is in use: busy treatment, the line is not rung.
 * - While the call lasts, `refresh` every ttlMs / 3 or so, so that two missed
 *   refreshes still keep the entry. `refresh` answers false when the entry is
 *   gone (it expired, e.g. Redis was unreachable for longer than the TTL): the
 *   call has lost its reservation and should be logged; it is not re-added,
 *   since that could exceed the limit.
 * - `release` when the call ends (any outcome). Releasing twice is harmless.
 * - When a node dies, its entries are not refreshed and free themselves within
 *   ttlMs: every `acquire` first drops expired entries, and the key expires
 *   with its last entry, so nothing leaks.
 */

/** KEYS: chan zset. ARGV: leg id, channels, ttl ms. Drop expired, count, add if below the limit; all atomic. */
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local expires = now + tonumber(ARGV[3])
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

/** KEYS: chan zset. ARGV: leg id, ttl ms. Extend a live entry; 0 when it is gone or already expired. */
const REFRESH = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score then return 0 end
if tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], last[2])
return 1`;

/** KEYS: chan zset. Live entries (not yet expired). */
const IN_USE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')`;

interface ChannelCommands {
  ssChanAcquire(key: string, legId: string, channels: number, ttlMs: number): Promise<number>;
  ssChanRefresh(key: string, legId: string, ttlMs: number): Promise<number>;
  ssChanInUse(key: string): Promise<number>;
}

export class ChannelStore {
  private readonly commands: ChannelCommands;

  constructor(private readonly redis: Redis) {
    redis.defineCommand('ssChanAcquire', { numberOfKeys: 1, lua: ACQUIRE });
    redis.defineCommand('ssChanRefresh', { numberOfKeys: 1, lua: REFRESH });
    redis.defineCommand('ssChanInUse', { numberOfKeys: 1, lua: IN_USE });
    this.commands = redis as unknown as ChannelCommands;
  }

  /**
   * Take one of the line's `channels` for this leg for ttlMs; false when all
   * are in use. Acquiring a leg that already holds a channel just refreshes it.
   */
  async acquire(sipId: string, legId: string, channels: number, ttlMs: number): Promise<boolean> {
    if (channels < 1) return false;
    return (await this.commands.ssChanAcquire(keys.channels(sipId), legId, channels, checkTtl(ttlMs))) === 1;
  }

  /** Keep the leg's channel for another ttlMs; false when it was already lost (see the contract above). */
  async refresh(sipId: string, legId: string, ttlMs: number): Promise<boolean> {
    return (await this.commands.ssChanRefresh(keys.channels(sipId), legId, checkTtl(ttlMs))) === 1;
  }

  async release(sipId: string, legId: string): Promise<void> {
    await this.redis.zrem(keys.channels(sipId), legId);
  }

  /** Channels of the line in use now. */
  async inUse(sipId: string): Promise<number> {
    return this.commands.ssChanInUse(keys.channels(sipId));
  }
}

function checkTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new RangeError(`channel TTL must be a positive whole number of ms, got ${ttlMs}`);
  return ttlMs;
}

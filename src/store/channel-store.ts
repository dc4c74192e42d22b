import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';

/**
 * Channel accounting per line, shared by all nodes (docs/product.md §2 "Channel count").
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

interface ChannelCommands {
  ssChanAcquire(key: string, legId: string, channels: number, ttlMs: number): Promise<number>;
  ssChanRefresh(key: string, legId: string, ttlMs: number): Promise<number>;
  ssChanInUse(key: string): Promise<number>;
}

export class ChannelStore {
  private readonly commands: ChannelCommands;

  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssChanAcquire', 'channel-acquire', 1);
    defineScript(redis, 'ssChanRefresh', 'channel-refresh', 1);
    defineScript(redis, 'ssChanInUse', 'channel-in-use', 1);
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

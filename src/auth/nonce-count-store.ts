import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import type { NonceCountStore } from './authenticator.js';

/** Atomic "only forwards": a nonce-count that does not increase is a replay. */
const ADVANCE = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

export class RedisNonceCountStore implements NonceCountStore {
  constructor(private readonly redis: Redis) {
    redis.defineCommand('ssAdvanceNonceCount', { numberOfKeys: 1, lua: ADVANCE });
  }

  async advance(nonce: string, nc: number, ttlMs: number): Promise<boolean> {
    const result = await (this.redis as unknown as AdvanceCommand).ssAdvanceNonceCount(keys.nonceCount(nonce), nc, ttlMs);
    return result === 1;
  }
}

interface AdvanceCommand {
  ssAdvanceNonceCount(key: string, nc: number, ttlMs: number): Promise<number>;
}

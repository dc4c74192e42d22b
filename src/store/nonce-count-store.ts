import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import type { NonceCountStore, NonceUse } from '../auth/authenticator.js';

/** Atomic "only forwards": a nonce-count that does not increase is a replay (lua/nonce-count-advance.lua). */
export class RedisNonceCountStore implements NonceCountStore {
  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssAdvanceNonceCount', 'nonce-count-advance', 1);
  }

  async advance(use: NonceUse): Promise<boolean> {
    const result = await (this.redis as unknown as AdvanceCommand).ssAdvanceNonceCount(keys.nonceCount(use.username, use.nonce), use.nc, use.ttlMs);
    return result === 1;
  }
}

interface AdvanceCommand {
  ssAdvanceNonceCount(key: string, nc: number, ttlMs: number): Promise<number>;
}

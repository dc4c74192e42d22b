import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';

interface ReleaseCommand {
  ssReleaseLock(lock: string, token: string): Promise<number>;
}

/** The one management write in progress on any node: a short Redis lock held by a token. */
export class ManagementLock {
  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssReleaseLock', 'release-lock', 1);
  }

  /** True when this token now holds the lock (for ttlMs at most). */
  async take(token: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(keys.managementLock, token, 'PX', ttlMs, 'NX')) === 'OK';
  }

  /** Lets go, only if this token still holds it (lua/release-lock.lua). */
  async release(token: string): Promise<void> {
    await (this.redis as unknown as ReleaseCommand).ssReleaseLock(keys.managementLock, token);
  }
}

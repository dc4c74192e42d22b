import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';

export type SharedSecretName = 'nonce' | 'api' | 'dialog';

const KEY: Record<SharedSecretName, string> = { nonce: keys.nonceSecret, api: keys.apiSecret, dialog: keys.dialogSecret };

/** Random secrets created once in Redis (SET NX), the same for every node. */
export class SecretStore {
  constructor(private readonly redis: Redis) {}

  async shared(name: SharedSecretName): Promise<Buffer> {
    const key = KEY[name];
    await this.redis.set(key, randomBytes(32).toString('hex'), 'NX');
    const shared = await this.redis.get(key);
    if (!shared) throw new Error(`could not read the shared ${name} secret from Redis`);
    return Buffer.from(shared, 'hex');
  }
}

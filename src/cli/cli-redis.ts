import { embeddedRedisUrl, embeddedSocketPath, pingRedis } from '../store/embedded-redis.js';
import type { Config } from '../config/schema.js';

/**
 * The Redis a one-shot command should use: the configured one, or the embedded
 * instance of a running `npm start`. It never starts one. Returns an error
 * text when there is nothing to talk to.
 */
export async function redisUrlForCli(config: Config): Promise<{ url: string } | { error: string }> {
  if (config.redis.url !== undefined) return { url: config.redis.url };
  const socket = embeddedSocketPath(config.redis.embedded.dataDir);
  if (!(await pingRedis({ path: socket }, 1000))) {
    return { error: `no Redis to talk to: start the server first (npm start) or set REDIS_URL\n  (no embedded redis-server answers at ${socket})` };
  }
  return { url: embeddedRedisUrl(config.redis.embedded.dataDir) };
}

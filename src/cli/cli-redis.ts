import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { embeddedRedisUrl, embeddedSocketPath, pingRedis } from '../store/embedded-redis.js';
import { createRedis, waitForRedis } from '../store/redis.js';
import type { Config } from '../config/schema.js';
import { createLogger } from '../log.js';

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

/**
 * Runs a one-shot command against that Redis (logs to stderr, routine info
 * muted), disconnecting afterwards; exit code 1 when there is none.
 */
export async function withCliRedis(config: Config, run: (redis: Redis) => Promise<number>): Promise<number> {
  const target = await redisUrlForCli(config);
  if ('error' in target) {
    console.error(target.error);
    return 1;
  }
  const log = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, pino.destination(2));
  const redis = createRedis(target.url, config.redis.keyPrefix, log);
  try {
    await waitForRedis(redis, 5000);
    return await run(redis);
  } finally {
    redis.disconnect();
  }
}

import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Log } from '../log.js';

export type { Redis } from 'ioredis';

/**
 * Connection options for `url`: `redis://`/`rediss://` URLs go to ioredis as
 * they are; a unix socket may be given as `unix:///path`, `unix:/path`,
 * `redis+socket:///path` or a bare `/path`.
 */
export function connectionOptions(url: string): { url?: string; path?: string } {
  const socket = /^(?:unix:(?:\/\/)?|redis\+socket:\/\/)(\/[^?]*)/.exec(url);
  if (socket) return { path: decodeURIComponent(socket[1]!) };
  if (url.startsWith('/')) return { path: url };
  return { url };
}

/** The URL with any password replaced, for logs. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/**
 * A Redis client for the server's hot path. When Redis goes away, commands
 * fail at once (no offline queue, one retry) instead of piling up behind a
 * dead connection, and the client reconnects by itself with backoff.
 * `redis.connected` / `redis.disconnected` are logged once per transition.
 *
 * A Redis that is connected but stalled (stopped process, long script) keeps
 * the client `ready` while commands wait, so the server's clients also get
 * `commandTimeout` (config `redis.commandTimeout`) in `extra`: a command then
 * fails after that long, counted from when it is written and kept across the
 * one retry after a reconnect. (On a cluster, where auto-pipelining is kept, a
 * command queued behind a stalled pipeline is written when that pipeline ends,
 * so it may wait up to twice the timeout.) No blocking commands are used (they would need
 * `blockingTimeout`). A write that timed out may still be applied when Redis
 * resumes: callers retry idempotently (REGISTER refresh, If-Match on the API).
 */
export function createRedis(url: string | readonly string[], keyPrefix: string, log: Log, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    // 100 ms, 200 ms, ... capped at 2 s; never gives up.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...extra,
  };
  let redis: Redis;
  let where: string;
  if (typeof url === 'string') {
    const target = connectionOptions(url);
    if (target.path !== undefined) options.path = target.path;
    redis = target.url !== undefined ? new Redis(target.url, options) : new Redis(options);
    where = target.path ?? redactUrl(url);
  } else {
    redis = createCluster(url, options);
    where = url.map(redactUrl).join(',');
  }

  let up = false;
  let errorLogged = false;
  redis.on('ready', () => {
    errorLogged = false;
    if (up) return;
    up = true;
    log.info({ event: 'redis.connected', redis: where }, 'connected to Redis');
  });
  // 'reconnecting' (not 'close') so that a deliberate disconnect()/quit() is not reported as an outage.
  redis.on('reconnecting', () => {
    if (!up) return;
    up = false;
    log.warn({ event: 'redis.disconnected', redis: where }, 'lost the Redis connection; reconnecting');
  });
  redis.on('end', () => {
    if (up) log.debug({ event: 'redis.closed', redis: where }, 'closed the Redis connection');
    up = false;
  });
  // Without a listener ioredis prints every failed retry; log the first per outage.
  redis.on('error', (err: Error) => {
    if (errorLogged) return;
    errorLogged = true;
    log.warn({ event: 'redis.error', redis: where, err: err.message }, 'Redis connection error');
  });
  return redis;
}

/**
 * A Redis Cluster client (config `redis.cluster`): the same options per node,
 * keyPrefix applied by the cluster client. Every script and MULTI of the store
 * keeps its keys in one hash tag (src/store/keys.ts), so the repositories use
 * it through the same command interface as a single Redis.
 */
function createCluster(urls: readonly string[], options: RedisOptions): Redis {
  const { keyPrefix, enableOfflineQueue, maxRetriesPerRequest, retryStrategy, ...node } = options;
  const cluster = new Cluster(
    urls.map((u) => u),
    {
      ...(keyPrefix !== undefined ? { keyPrefix } : {}),
      enableOfflineQueue: enableOfflineQueue ?? false,
      clusterRetryStrategy: (times) => retryStrategy?.(times) ?? null,
      ...(options.enableAutoPipelining !== undefined ? { enableAutoPipelining: options.enableAutoPipelining } : {}),
      redisOptions: { ...node, maxRetriesPerRequest: maxRetriesPerRequest ?? 1 },
    },
  );
  return cluster as unknown as Redis;
}

/** Resolve once the client is ready for commands (needed because the offline queue is off). */
export function waitForRedis(redis: Redis, timeoutMs = 5000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

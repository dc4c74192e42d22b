import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createConfiguredAccounts } from './api/accounts/configured-accounts.js';
import { RESOURCE_MODULES } from './api/resources/index.js';
import { createApi } from './api/server.js';
import type { Config } from './config/schema.js';
import type { Log } from './log.js';
import type { LogSummariser } from './log-summary.js';
import { observeRedisCommands } from './metrics/redis-commands.js';
import type { Metrics } from './metrics/metrics.js';
import { registerPortal } from './portal/portal.js';
import { AccountStore } from './store/account-store.js';
import { createRedis, waitForRedis } from './store/redis.js';
import { SecretStore } from './store/secret-store.js';
import type { StoreOutage } from './store/redis-errors.js';

/** The management API, when operator credentials are configured; otherwise it does not run. */
export async function startApi(
  config: Config,
  redis: Redis,
  redisUrl: string | readonly string[],
  log: Log,
  shared: { storeOutage: StoreOutage; summary: LogSummariser },
  metrics: Metrics,
): Promise<FastifyInstance | undefined> {
  const operator = config.api.operator;
  if (!operator) {
    log.info({ event: 'api.disabled' }, 'management API off: no operator credentials configured (API_OPERATOR_PASSWORD)');
    return undefined;
  }
  const created = await createConfiguredAccounts(new AccountStore(redis, Date.now), config.api.accounts);
  if (created.length) log.info({ event: 'api.accounts_created', accounts: created }, 'customer accounts from the config');
  const writeRedis = createRedis(redisUrl, config.redis.keyPrefix, log, { commandTimeout: config.redis.commandTimeout });
  observeRedisCommands(writeRedis, metrics);
  await waitForRedis(writeRedis, 15_000);
  shared.storeOutage.track(writeRedis);
  const api = createApi({ redis, writeRedis, config, log, secret: await new SecretStore(redis).shared('api'), ...shared }, RESOURCE_MODULES);
  if (config.api.portal) registerPortal(api, { config, log });
  api.addHook('onClose', async () => {
    writeRedis.disconnect();
  });
  const bootstrap = await new AccountStore(redis, Date.now).ensureOperator(operator.name, operator.password);
  if (bootstrap !== 'unchanged') log.info({ event: 'api.operator_account', account: operator.name, result: bootstrap }, 'operator account from the config');
  await api.listen({ host: config.api.address, port: config.api.port });
  log.info({ event: 'api.listening', address: config.api.address, port: (api.server.address() as { port: number }).port }, 'management API listening');
  return api;
}

#!/usr/bin/env node
/**
 * `npm start`: one softswitch node. Without a configured Redis it runs a
 * private redis-server (data kept in data/redis) and loads the example
 * provisioning file, so a newcomer can register at once.
 */
import { startSoftswitch, type Softswitch } from '../app.js';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { createLogger, type Log } from '../log.js';
import { applyProvisioning, loadProvisioningFile, ProvisioningError } from '../provisioning/apply.js';
import { startEmbeddedRedis, type EmbeddedRedis } from '../store/embedded-redis.js';
import { createRedis, waitForRedis } from '../store/redis.js';

async function main(): Promise<void> {
  let config: Config;
  try {
    // Only --config is ours; anything else on the command line is left alone, as before.
    const { values } = parseArgs({ args: process.argv.slice(2), strict: false, allowPositionals: true, options: { config: { type: 'string' } } });
    config = loadConfig({ file: typeof values.config === 'string' ? values.config : undefined });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.log.level);

  let embedded: EmbeddedRedis | undefined;
  let redisUrl: string | readonly string[] | undefined = config.redis.cluster ?? config.redis.url;
  if (!redisUrl) {
    embedded = await startEmbeddedRedis(config.redis.embedded.dataDir, log);
    redisUrl = embedded.url;
    await provisionExample(config, redisUrl, log);
  }

  let app: Softswitch;
  try {
    app = await startSoftswitch(config, log, redisUrl);
  } catch (err) {
    log.fatal({ event: 'server.start_failed', err }, 'softswitch could not start');
    await embedded?.stop();
    process.exit(1);
  }

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) {
      // A second signal: no more waiting for calls.
      app.cutDrainShort();
      return;
    }
    stopping = true;
    log.info({ event: 'server.stopping', signal }, 'stopping');
    // Readiness fails first and new calls go elsewhere; calls in progress get shutdown.drainSeconds to end.
    await app.drain();
    await app.close();
    await embedded?.stop();
    log.info({ event: 'server.stopped' }, 'stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The embedded default loads the example provisioning file; re-applying it changes nothing. */
async function provisionExample(config: Config, redisUrl: string, log: Log): Promise<void> {
  const file = config.provisioning.file;
  const redis = createRedis(redisUrl, config.redis.keyPrefix, log);
  try {
    await waitForRedis(redis);
    const result = await applyProvisioning(redis, config, loadProvisioningFile(file), log);
    log.info({ event: 'provisioning.loaded', file, result }, 'example provisioning loaded');
  } catch (err) {
    if (!(err instanceof ProvisioningError)) throw err;
    log.fatal({ event: 'provisioning.invalid', file, issues: err.issues }, 'provisioning file refused');
    process.exit(1);
  } finally {
    redis.disconnect();
  }
}

main().catch((err) => {
  process.stderr.write(`softswitch: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

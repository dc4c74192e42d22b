#!/usr/bin/env node
/**
 * `npm start`: one softswitch node. Without a configured Redis it runs a
 * private redis-server (data kept in data/redis) and loads the example
 * provisioning file, so a newcomer can register at once. With `workers`
 * above 1 this process is the node's primary and forks the workers
 * (src/cluster); each worker runs this file again and takes the worker path.
 */
import { availableParallelism } from 'node:os';
import { startSoftswitch, type Softswitch } from '../app.js';
import { runPrimary } from '../cluster/primary.js';
import { WorkerLink, workerIdentity } from '../cluster/worker-link.js';
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
  const identity = workerIdentity();
  if (identity) return runWorker(config, identity);
  const workers = workerCount(config);
  const log = createLogger(config.log.level, undefined, workers > 1 ? { worker: 0 } : {});

  let embedded: EmbeddedRedis | undefined;
  let redisUrl: string | readonly string[] | undefined = config.redis.cluster ?? config.redis.url;
  if (!redisUrl) {
    embedded = await startEmbeddedRedis(config.redis.embedded.dataDir, log);
    redisUrl = embedded.url;
    await provisionExample(config, redisUrl, log);
  }

  if (workers > 1) {
    // Every worker gets the same node id (the default names this process), the number of workers and the embedded Redis' address.
    const env: Record<string, string> = { NODE_ID: config.nodeId, WORKERS: String(workers), ...(embedded ? { REDIS_URL: embedded.url } : {}) };
    await runPrimary({ config, log, workers, env, afterStop: async () => embedded?.stop() });
    return;
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

/** How many processes serve: `workers` of the config, `auto` being one per core. */
function workerCount(config: Config): number {
  return config.workers === 'auto' ? availableParallelism() : config.workers;
}

/** One worker of several: its channel to the others first, then the softswitch on the shared ports. */
async function runWorker(config: Config, identity: { slot: number; token: Buffer }): Promise<void> {
  const log = createLogger(config.log.level, undefined, { worker: identity.slot });
  let app: Softswitch | undefined;
  const link = await WorkerLink.open(identity, {
    passed: (data, source, from) => app?.sip.receive(data, source, from),
    send: (destination, data) => void app?.sip.sendForWorker(destination, data),
    notice: (notice) => app?.peerNotice(notice),
  });
  const redisUrl = config.redis.cluster ?? config.redis.url;
  try {
    if (!redisUrl) throw new Error('no Redis URL from the primary');
    app = await startSoftswitch(config, log, redisUrl, { peers: link.channel, first: identity.slot === 1, count: workerCount(config) });
  } catch (err) {
    log.fatal({ event: 'server.start_failed', err }, 'worker could not start');
    process.exit(1);
  }
  const running = app;
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await running.drain();
    await running.close();
    await link.close();
    process.exit(0);
  };
  link.serve(
    running.readiness,
    running.metrics.registry,
    {
      drain: () => void stop(),
      cutShort: () => running.cutDrainShort(),
      steer: (among) => void running.sip.steer(among),
    },
    config.udpSteering === 'dialog' && config.udpGatherSeconds > 0,
  );
  // SIGTERM to this worker alone: it drains and ends, and the primary starts another.
  process.on('SIGTERM', () => void stop());
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

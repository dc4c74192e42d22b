import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { startMonitorServer, type MonitorServer } from '../health/monitor-server.js';
import type { ReadinessReport } from '../health/readiness.js';
import type { Log } from '../log.js';
import { isOurs, WORKER_ENV, type ToPrimary, type ToWorker } from './ipc.js';
import { DEFAULT_STEERING_LIMITS, leastBusy, STEERING_SAMPLE_MS, SteeringPolicy } from './steering-policy.js';
import { nodeReadiness, restartDelayMs, type NodeReadiness } from './supervision.js';

export interface PrimaryOptions {
  config: Config;
  log: Log;
  /** How many workers. */
  workers: number;
  /** More environment for every worker (the node id, an embedded Redis' URL). */
  env: Record<string, string>;
  /** Runs after the last worker has ended (e.g. stop the embedded Redis). */
  afterStop?: () => Promise<void>;
}

/** A readiness question a worker has this long to answer before it counts as unready. */
const READINESS_TIMEOUT_MS = 2_000;
/** Past the drain time, a worker that has not ended is killed. */
const STOP_GRACE_MS = 10_000;

interface Slot {
  worker?: Worker;
  channelPort?: number;
  listening: boolean;
  deaths: number[];
  restartTimer?: NodeJS.Timeout;
  /** The worker's event-loop utilisation over its last STEERING_SAMPLE_MS. */
  load?: number;
}

/** After a worker starts, the steering is attached once more this much later. */
const STEERING_REASSERT_MS = 5_000;

/**
 * The primary process of a node with several workers: forks one worker per
 * slot, restarts a worker that dies (with back-off), keeps every worker told
 * where the others' channels are, answers /metrics (the workers' registries
 * merged), /healthz and /readyz (every worker ready), and on SIGTERM or
 * Ctrl-C drains every worker and exits when the last has ended. It handles
 * no SIP itself.
 */
export async function runPrimary(options: PrimaryOptions): Promise<void> {
  const { config, log, workers: count } = options;
  const token = randomBytes(16).toString('hex');
  const slots = new Map<number, Slot>();
  let stopping = false;
  let announced = false;
  let monitor: MonitorServer | undefined;
  let nextQuestion = 1;
  const pending = new Map<number, (report: ReadinessReport) => void>();

  const send = (worker: Worker | undefined, message: ToWorker): void => {
    if (worker?.isConnected()) worker.send(message);
  };
  const sharePorts = (): void => {
    const ports: Array<[number, number]> = [];
    for (const [n, slot] of slots) if (slot.worker && slot.channelPort !== undefined) ports.push([n, slot.channelPort]);
    for (const slot of slots.values()) send(slot.worker, { type: 'softswitch:peers', ports });
  };

  // Steering by dialog: gather the UDP traffic on one worker while the node is quiet (steering-policy.ts).
  const steering =
    config.udpSteering === 'dialog' && count > 1 && config.udpGatherSeconds > 0
      ? new SteeringPolicy(count, { ...DEFAULT_STEERING_LIMITS, gatherAfter: (config.udpGatherSeconds * 1000) / STEERING_SAMPLE_MS })
      : undefined;
  // Two workers attaching at once (one starting, one told of a change) race, the last one winning:
  // a while after a worker starts, the current choice is attached once more.
  let reassertAt: number | undefined;
  const weighSteering = (): void => {
    const listening = [...slots.values()].filter((s) => s.listening && s.worker);
    const among = steering?.sample(listening.flatMap((s) => (s.load === undefined ? [] : [s.load])));
    if (among === undefined && steering && reassertAt !== undefined && Date.now() >= reassertAt) {
      reassertAt = undefined;
      send(leastBusy(listening)?.worker, { type: 'softswitch:steer', among: steering.current });
    }
    if (among === undefined) return;
    const loads = listening.map((s) => Math.round((s.load ?? 0) * 100) / 100);
    log.info(
      { event: 'udp.steering_changed', among, workers: count, loads },
      among === 1 ? 'node quiet: UDP traffic gathered on one worker' : 'node busy: UDP traffic spread over every worker',
    );
    send(leastBusy(listening)?.worker, { type: 'softswitch:steer', among });
  };

  const fork = (n: number): void => {
    const slot = slots.get(n)!;
    slot.channelPort = undefined;
    slot.listening = false;
    slot.load = undefined;
    const worker = cluster.fork({ ...options.env, [WORKER_ENV.slot]: String(n), [WORKER_ENV.token]: token });
    slot.worker = worker;
    worker.on('message', (message: unknown) => {
      if (!isOurs<ToPrimary>(message)) return;
      if (message.type === 'softswitch:channel') {
        slot.channelPort = message.port;
        sharePorts();
      } else if (message.type === 'softswitch:load') {
        slot.load = message.load;
      } else if (message.type === 'softswitch:listening') {
        slot.listening = true;
        // A worker attaches the program for every worker when it starts: tell it the node is gathered.
        if (steering && steering.current !== count) send(worker, { type: 'softswitch:steer', among: steering.current });
        if (steering) reassertAt = Date.now() + STEERING_REASSERT_MS;
        if (!announced && [...slots.values()].every((s) => s.listening)) {
          announced = true;
          void announce();
        }
      } else if (message.type === 'softswitch:readiness') {
        pending.get(message.id)?.(message.report);
      }
    });
    worker.on('exit', (code, signal) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.channelPort = undefined;
      slot.listening = false;
      sharePorts();
      if (stopping) {
        log.info({ event: 'worker.stopped', slot: n, workerPid: worker.process.pid, code }, 'worker ended');
        if ([...slots.values()].every((s) => !s.worker)) void finish();
        return;
      }
      if (!announced) {
        // A worker that cannot start (port taken, Redis unreachable, bad config) stops the node, as one process would.
        log.fatal({ event: 'server.start_failed', slot: n, code, signal }, 'a worker could not start; stopping');
        stopping = true;
        for (const other of slots.values()) {
          if (other.restartTimer) clearTimeout(other.restartTimer);
          other.worker?.process.kill('SIGKILL');
        }
        void (options.afterStop?.() ?? Promise.resolve()).finally(() => process.exit(1));
        return;
      }
      const now = Date.now();
      slot.deaths = [...slot.deaths.filter((t) => now - t < 3_600_000), now];
      const delay = restartDelayMs(slot.deaths, now);
      log.error({ event: 'worker.died', slot: n, workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; restarting it');
      slot.restartTimer = setTimeout(() => {
        slot.restartTimer = undefined;
        if (!stopping) fork(n);
      }, delay);
    });
  };

  const askReadiness = (worker: Worker | undefined): Promise<ReadinessReport | undefined> =>
    new Promise((resolve) => {
      if (!worker?.isConnected()) return resolve(undefined);
      const id = nextQuestion++;
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve(undefined);
      }, READINESS_TIMEOUT_MS);
      pending.set(id, (report) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(report);
      });
      send(worker, { type: 'softswitch:readiness?', id });
    });
  const readiness = {
    report: async (): Promise<NodeReadiness> =>
      nodeReadiness(count, await Promise.all([...slots.values()].map((s) => (s.listening ? askReadiness(s.worker) : Promise.resolve(undefined)))), stopping),
  };
  const aggregator = new AggregatorRegistry();
  const metrics = { text: () => aggregator.clusterMetrics(), contentType: aggregator.contentType };

  async function announce(): Promise<void> {
    if (config.metrics.enabled) {
      const { address, port } = config.metrics;
      monitor = await startMonitorServer(address, port, { metrics, readiness, log });
      log.info(
        { event: 'monitor.listening', address, port: monitor.port, paths: ['/metrics', '/healthz', '/readyz'] },
        'metrics and health endpoints listening',
      );
    }
    log.info(
      { event: 'server.listening', node: config.nodeId, workers: count, addresses: config.sip.listen, domain: config.sip.domain },
      'softswitch listening',
    );
  }

  async function finish(): Promise<void> {
    await monitor?.close();
    await options.afterStop?.();
    log.info({ event: 'server.stopped' }, 'stopped');
    process.exit(0);
  }

  const stop = (signal: string): void => {
    if (stopping) {
      // A second signal: no more waiting for calls.
      for (const slot of slots.values()) send(slot.worker, { type: 'softswitch:cut-short' });
      return;
    }
    stopping = true;
    log.info({ event: 'server.stopping', signal, workers: count }, 'stopping: draining every worker');
    for (const slot of slots.values()) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      send(slot.worker, { type: 'softswitch:drain' });
    }
    if ([...slots.values()].every((s) => !s.worker)) void finish();
    setTimeout(
      () => {
        for (const slot of slots.values()) slot.worker?.process.kill('SIGKILL');
      },
      config.shutdown.drainSeconds * 1000 + STOP_GRACE_MS,
    ).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  log.info({ event: 'server.starting', node: config.nodeId, workers: count }, `starting ${count} workers`);
  for (let n = 1; n <= count; n++) slots.set(n, { listening: false, deaths: [] });
  for (const n of slots.keys()) fork(n);
  if (steering) setInterval(weighSteering, STEERING_SAMPLE_MS).unref();
}

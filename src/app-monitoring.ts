import type { Config } from './config/schema.js';
import type { SipServer } from './core/server/sip-server.js';
import { startMonitorServer, type MonitorServer } from './health/monitor-server.js';
import type { Overload } from './health/overload.js';
import type { Readiness } from './health/readiness.js';
import type { Log } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { CallChannels } from './routing/call-channels.js';
import type { BanGuard } from './security/ban-guard.js';
import type { BindingStore } from './store/binding-store.js';

export interface MonitoringDeps {
  metrics: Metrics;
  readiness: Readiness;
  log: Log;
  sip: Pick<SipServer, 'transactionCount' | 'clientTransactionCount'>;
  bindings: Pick<BindingStore, 'registeredLines'>;
  guard: Pick<BanGuard, 'activeBans'>;
  channels: Pick<CallChannels, 'channelsInUse'>;
  overload: Pick<Overload, 'refusing' | 'takeLongestDelay'>;
  activeCalls(): number;
}

/**
 * Where the gauges read at scrape time take their values, and the monitoring
 * listener (/metrics, /healthz, /readyz) when `metrics.enabled` and `listen`
 * (not in a worker of several: there the primary listens, src/cluster).
 */
export async function startMonitoring(config: Config, deps: MonitoringDeps, listen = true): Promise<MonitorServer | undefined> {
  const { metrics, readiness, log, sip, bindings, guard, channels, overload } = deps;
  metrics.source('transactions.server', () => sip.transactionCount);
  metrics.source('transactions.client', () => sip.clientTransactionCount);
  metrics.source('registrar.lines', () => bindings.registeredLines());
  metrics.source('bans.active', () => guard.activeBans);
  metrics.source('calls.active', () => deps.activeCalls());
  metrics.source('channels.inUse', () => channels.channelsInUse);
  metrics.source('redis.up', async () => ((await readiness.report()).checks.redis === 'ok' ? 1 : 0));
  metrics.source('health.ready', async () => ((await readiness.report()).ready ? 1 : 0));
  metrics.source('health.draining', () => (readiness.draining ? 1 : 0));
  metrics.source('sip.queueDelay', () => overload.takeLongestDelay() / 1000);
  metrics.source('overload.refusing', () => overload.refusing);

  // A worker of several: the primary listens and merges every worker's metrics.
  if (!listen) return undefined;
  if (!config.metrics.enabled) {
    log.info({ event: 'monitor.disabled' }, 'metrics and health endpoints off (metrics.enabled: false)');
    return undefined;
  }
  const { address, port } = config.metrics;
  const server = await startMonitorServer(address, port, { metrics, readiness, log });
  log.info({ event: 'monitor.listening', address, port: server.port, paths: ['/metrics', '/healthz', '/readyz'] }, 'metrics and health endpoints listening');
  return server;
}

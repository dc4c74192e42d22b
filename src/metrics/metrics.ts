import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type Aggregator } from 'prom-client';

/**
 * Every metric this node exports, by name, in one registry (Prometheus
 * naming: `softswitch_` prefix, base units, `_total` for counters). Layers
 * get this object through their deps and call the named metric; nothing else
 * creates metrics, so docs/operations.md, the Grafana dashboard and this file
 * list the same names.
 *
 * Labels take only values from small fixed sets (outcomes, stage names, SIP
 * methods we know, transports): never a Call-ID, a number, an address or a
 * SIP-ID, so the series count stays bounded whatever the traffic.
 *
 * Several workers: each worker keeps its own Metrics; the primary answers a
 * scrape with prom-client's AggregatorRegistry, which merges the workers'
 * registries by each metric's `aggregator`: counters and this process's
 * gauges are summed, gauges that read shared Redis state (the same value in
 * every worker) take `max`, health gauges take `min`/`max` so one unready or
 * draining worker shows. Given `worker`, every series carries a `worker`
 * label instead and stays per worker; `sum without (worker)` (or `max` for
 * the shared gauges) then gives the node.
 */

/** Gauges whose value is read when scraped; the app says where from. */
export type GaugeSource = () => number | Promise<number>;

/** Methods counted by name; anything else an attacker can invent counts as `other`. */
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'UPDATE', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'MESSAGE']);

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

/** `wrong password` -> `wrong_password`: label values in Prometheus style. */
export function labelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

export interface MetricsOptions {
  /** Adds a `worker` label to every series (several workers per node). */
  worker?: string;
  /** Node.js process metrics and event-loop lag (default on; off in unit tests that count series). */
  processMetrics?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly sources = new Map<string, GaugeSource>();

  // SIP core
  readonly sipParseErrors: Counter<'transport'>;
  readonly sipRetransmissions: Counter<'direction'>;
  readonly sipTransactionsStarted: Counter<'kind'>;
  readonly sipTransactions: Gauge<'kind'>;
  // Registrar and security
  readonly registrations: Counter<'outcome'>;
  readonly registrationRetries: Counter;
  readonly registeredLines: Gauge;
  readonly authFailures: Counter<'method' | 'reason'>;
  readonly bans: Counter<'reason'>;
  readonly bansActive: Gauge;
  readonly bannedRequests: Counter<'action'>;
  // Calls
  readonly calls: Counter<'outcome'>;
  readonly callDecisions: Counter<'stage' | 'outcome'>;
  readonly callsActive: Gauge;
  readonly channelsInUse: Gauge;
  // Redis
  readonly redisCommandDuration: Histogram<'command'>;
  readonly redisCommandErrors: Counter<'command'>;
  readonly redisUp: Gauge;
  // This process
  readonly ready: Gauge;
  readonly draining: Gauge;
  readonly sipQueueDelay: Gauge;
  readonly overloadRefusing: Gauge;

  constructor(options: MetricsOptions = {}) {
    if (options.worker !== undefined) this.registry.setDefaultLabels({ worker: options.worker });
    const registers = [this.registry];

    this.sipParseErrors = new Counter({
      name: 'softswitch_sip_parse_errors_total',
      help: 'SIP messages that could not be parsed, by transport.',
      labelNames: ['transport'],
      registers,
    });
    this.sipRetransmissions = new Counter({
      name: 'softswitch_sip_retransmissions_total',
      help: 'Retransmissions: received (a request copy absorbed by its transaction) and sent (a request or response sent again by a transaction).',
      labelNames: ['direction'],
      registers,
    });
    this.sipTransactionsStarted = new Counter({
      name: 'softswitch_sip_transactions_total',
      help: 'SIP transactions started, server (requests received) and client (requests sent).',
      labelNames: ['kind'],
      registers,
    });
    this.sipTransactions = this.gauge('softswitch_sip_transactions', 'SIP transactions alive now, server and client.', 'sum', ['kind'], async (g) => {
      for (const kind of ['server', 'client'] as const) {
        const read = this.sources.get(`transactions.${kind}`);
        if (read) g.set({ kind }, await read());
      }
    });

    this.registrations = new Counter({
      name: 'softswitch_registrations_total',
      help: 'REGISTER requests by outcome: registered, unregistered, queried, challenged, auth_failed, refused, unavailable, overloaded, error.',
      labelNames: ['outcome'],
      registers,
    });
    this.registrationRetries = new Counter({
      name: 'softswitch_registration_retries_total',
      help: "REGISTERs decided a second time because another worker or node had written the line's bindings since this process last saw them (the compare-and-set lost).",
      registers,
    });
    this.registeredLines = this.sourced(
      'softswitch_registered_lines',
      'Lines with at least one live binding, read from Redis: the whole service, the same on every node (use max).',
      'max',
    );
    this.authFailures = new Counter({
      name: 'softswitch_auth_failures_total',
      help: 'Failed digest authentications by SIP method and reason.',
      labelNames: ['method', 'reason'],
      registers,
    });
    this.bans = new Counter({ name: 'softswitch_bans_total', help: 'Source addresses this node banned, by reason.', labelNames: ['reason'], registers });
    this.bansActive = this.sourced(
      'softswitch_bans_active',
      'Source addresses banned now on the whole service (every node holds the same list; use max).',
      'max',
    );
    this.bannedRequests = new Counter({
      name: 'softswitch_banned_requests_total',
      help: 'Requests from banned sources turned away before any work, by action (drop or forbid).',
      labelNames: ['action'],
      registers,
    });

    this.calls = new Counter({
      name: 'softswitch_calls_total',
      help: 'Admitted new calls by outcome: answered, busy, no_answer, cancelled, not_found, rejected, failed, unavailable, draining, overloaded.',
      labelNames: ['outcome'],
      registers,
    });
    this.callDecisions = new Counter({
      name: 'softswitch_call_decisions_total',
      help: 'Routing decisions by pipeline stage (origination, feature stages, hunt members, outbound) and outcome.',
      labelNames: ['stage', 'outcome'],
      registers,
    });
    this.callsActive = this.sourced('softswitch_calls_active', 'Calls this process carries now: being set up or answered and not yet ended.', 'sum');
    this.channelsInUse = this.sourced('softswitch_channels_in_use', 'Line channels held by the calls of this process.', 'sum');

    this.redisCommandDuration = new Histogram({
      name: 'softswitch_redis_command_duration_seconds',
      help: 'Time from sending a Redis command to its reply, by command.',
      labelNames: ['command'],
      buckets: [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.redisCommandErrors = new Counter({
      name: 'softswitch_redis_command_errors_total',
      help: 'Redis commands that failed (error reply, timeout, connection lost), by command.',
      labelNames: ['command'],
      registers,
    });
    this.redisUp = this.sourced('softswitch_redis_up', '1 while Redis answers this process, 0 during an outage.', 'min');

    this.ready = this.sourced('softswitch_ready', '1 when this process is ready for traffic (what /readyz answers), else 0.', 'min');
    this.draining = this.sourced('softswitch_draining', '1 while this process drains calls before stopping.', 'max');
    this.sipQueueDelay = this.sourced(
      'softswitch_sip_queue_delay_seconds',
      'The longest a UDP datagram waited before being read (socket queue and event loop), measured by the queue probes since the last scrape.',
      'max',
    );
    this.overloadRefusing = this.sourced(
      'softswitch_overload_refusing_ratio',
      'The share (0-1) of new INVITEs and REGISTERs refused with 503 because datagrams wait longer than overload.maxQueueDelay.',
      'max',
    );

    if (options.processMetrics !== false) {
      // process_*, nodejs_* including nodejs_eventloop_lag_seconds; prom-client sets their aggregators.
      // The lag is sampled by a timer every 50 ms: any stall longer than that shows in full; at 20 ms the
      // timer alone was 50 of an idle worker's ~110 wake-ups a second.
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 50 });
    }
  }

  /** Where a gauge read at scrape time takes its value (`transactions.server`, `calls.active`, ...). */
  source(name: SourceName, read: GaugeSource): void {
    this.sources.set(name, read);
  }

  /** The exposition text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric name this registry exports (the dashboard test checks its queries against them). */
  names(): string[] {
    return this.registry.getMetricsAsArray().map((m) => m.name);
  }

  private sourced(name: string, help: string, aggregator: Aggregator): Gauge {
    const key = SOURCE_OF[name];
    return this.gauge(name, help, aggregator, [], async (g) => {
      const read = key ? this.sources.get(key) : undefined;
      if (read) g.set(await read());
    });
  }

  private gauge<L extends string>(name: string, help: string, aggregator: Aggregator, labelNames: L[], collect: (g: Gauge<L>) => Promise<void>): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      aggregator,
      registers: [this.registry],
      async collect() {
        // A source that fails (Redis away) leaves the last value: a scrape never fails for it.
        await collect(this).catch(() => undefined);
      },
    });
  }
}

/** The gauges read at scrape time, and the source name each reads. */
const SOURCE_OF: Readonly<Record<string, SourceName>> = {
  softswitch_registered_lines: 'registrar.lines',
  softswitch_bans_active: 'bans.active',
  softswitch_calls_active: 'calls.active',
  softswitch_channels_in_use: 'channels.inUse',
  softswitch_redis_up: 'redis.up',
  softswitch_ready: 'health.ready',
  softswitch_draining: 'health.draining',
  softswitch_sip_queue_delay_seconds: 'sip.queueDelay',
  softswitch_overload_refusing_ratio: 'overload.refusing',
};

export type SourceName =
  | 'transactions.server'
  | 'transactions.client'
  | 'registrar.lines'
  | 'bans.active'
  | 'calls.active'
  | 'channels.inUse'
  | 'redis.up'
  | 'health.ready'
  | 'health.draining'
  | 'sip.queueDelay'
  | 'overload.refusing';

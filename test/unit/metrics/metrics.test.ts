import { AggregatorRegistry } from 'prom-client';
import t from 'tap';
import { labelValue, Metrics, methodLabel } from '../../../src/metrics/metrics.js';
import { observeRedisCommands } from '../../../src/metrics/redis-commands.js';
import { Scrape } from '../../helpers/metrics-scrape.js';

/** The only label names a metric may have: each takes values from a small fixed set (never a Call-ID, number, address or SIP-ID). */
const ALLOWED_LABELS = new Set(['transport', 'direction', 'kind', 'outcome', 'method', 'reason', 'action', 'stage', 'command', 'le']);

t.test('names and labels follow Prometheus conventions, and no label can grow without bound', async (t) => {
  const metrics = new Metrics({ processMetrics: false });
  const list = metrics.registry.getMetricsAsArray();
  t.ok(list.length >= 19, 'every metric is registered');
  for (const metric of list) {
    const { name, type, labelNames } = metric as unknown as { name: string; type: string; labelNames: string[] };
    t.match(name, /^softswitch_[a-z_]+$/, `${name}: prefixed, snake_case`);
    if (type === 'counter') t.match(name, /_total$/, `${name}: a counter ends in _total`);
    else t.notMatch(name, /_total$/, `${name}: only counters end in _total`);
    if (type === 'histogram') t.match(name, /_seconds$/, `${name}: a histogram of durations is in seconds`);
    for (const label of labelNames) {
      t.ok(ALLOWED_LABELS.has(label), `${name}: label ${label} is one of the bounded ones`);
    }
  }
});

t.test('label values: unknown SIP methods fold into other; reasons become snake_case', async (t) => {
  t.equal(methodLabel('INVITE'), 'INVITE');
  t.equal(methodLabel('REGISTER'), 'REGISTER');
  t.equal(methodLabel('XYZZY'), 'other', 'an invented method cannot create a series');
  t.equal(methodLabel('invite'), 'other', 'methods are case-sensitive (RFC 3261 §7.1)');
  t.equal(labelValue('wrong password'), 'wrong_password');
  t.equal(labelValue('unknown SIP-ID'), 'unknown_sip_id');
  t.equal(labelValue('nuisance-blocking'), 'nuisance_blocking');
});

t.test('gauges read their sources at scrape time; a failing source keeps the scrape alive', async (t) => {
  const metrics = new Metrics({ processMetrics: false });
  let calls = 3;
  metrics.source('calls.active', () => calls);
  metrics.source('channels.inUse', () => 5);
  metrics.source('registrar.lines', () => Promise.reject(new Error('Redis away')));
  metrics.source('transactions.server', () => 7);
  metrics.source('transactions.client', () => 2);
  let s = Scrape.parse(await metrics.text());
  t.equal(s.value('softswitch_calls_active'), 3);
  t.equal(s.value('softswitch_channels_in_use'), 5);
  t.equal(s.value('softswitch_sip_transactions', { kind: 'server' }), 7);
  t.equal(s.value('softswitch_sip_transactions', { kind: 'client' }), 2);
  t.equal(s.value('softswitch_registered_lines'), 0, 'a failed read leaves the gauge as it was');
  calls = 1;
  s = Scrape.parse(await metrics.text());
  t.equal(s.value('softswitch_calls_active'), 1, 'read again at the next scrape');
});

t.test("several workers: the primary merges them by each metric's aggregator, or keeps them apart by a worker label", async (t) => {
  const setUp = (w: Metrics, answered: number) => {
    w.calls.inc({ outcome: 'answered' }, answered);
    w.source('registrar.lines', () => 40); // read from Redis: the same in every worker
    w.source('calls.active', () => 4); // this worker's own calls
  };
  // The primary's view (prom-client AggregatorRegistry, as a clustered node answers a scrape).
  const merge = async (workers: Metrics[]) =>
    Scrape.parse(await AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.registry.getMetricsAsJSON()))).metrics());

  const plain = [new Metrics({ processMetrics: false }), new Metrics({ processMetrics: false })];
  setUp(plain[0]!, 2);
  setUp(plain[1]!, 3);
  const node = await merge(plain);
  t.equal(node.value('softswitch_calls_total', { outcome: 'answered' }), 5, 'counters add up');
  t.equal(node.value('softswitch_calls_active'), 8, "this node's calls add up");
  t.equal(node.value('softswitch_registered_lines'), 40, 'a shared Redis figure is taken once (max), not summed');

  const labelled = ['1', '2'].map((worker) => new Metrics({ worker, processMetrics: false }));
  setUp(labelled[0]!, 2);
  setUp(labelled[1]!, 3);
  const perWorker = await merge(labelled);
  t.equal(perWorker.value('softswitch_calls_total', { outcome: 'answered', worker: '1' }), 2, 'with a worker label, series stay per worker');
  t.equal(perWorker.value('softswitch_calls_total', { outcome: 'answered', worker: '2' }), 3);
  t.equal(perWorker.total('softswitch_calls_total'), 5, 'and sum without (worker) gives the node');
});

t.test('Redis commands: timed by name once each (a resend from the offline queue is not a second command); failures counted', async (t) => {
  const metrics = new Metrics({ processMetrics: false });
  const sent: string[] = [];
  const client = {
    sendCommand(command: { name: string; promise: Promise<unknown> }): unknown {
      sent.push(command.name);
      return command.promise;
    },
  };
  observeRedisCommands(client, metrics);
  let resolveGet!: (v: unknown) => void;
  const get = { name: 'GET', promise: new Promise((resolve) => (resolveGet = resolve)) };
  client.sendCommand(get);
  client.sendCommand(get); // the same command again after a reconnect
  resolveGet('v');
  await get.promise;
  const failed = { name: 'evalsha', promise: Promise.reject(new Error('Command timed out')) };
  failed.promise.catch(() => undefined);
  client.sendCommand(failed);
  await new Promise((resolve) => setImmediate(resolve));
  t.same(sent, ['GET', 'GET', 'evalsha'], 'every send still goes out');
  const s = Scrape.parse(await metrics.text());
  t.equal(s.value('softswitch_redis_command_duration_seconds_count', { command: 'get' }), 1, 'one GET timed');
  t.equal(s.value('softswitch_redis_command_errors_total', { command: 'evalsha' }), 1, 'the failure counted');
  t.equal(s.value('softswitch_redis_command_duration_seconds_count', { command: 'evalsha' }), 0, 'a failure is not a latency sample');
});

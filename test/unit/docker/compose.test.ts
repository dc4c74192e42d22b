import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { parse } from 'yaml';
import { loadConfig, repoRoot } from '../../../src/config/load.js';
import { Metrics } from '../../../src/metrics/metrics.js';

/**
 * docker/ is not run in CI (no Docker daemon), so it is checked here against
 * the code: the compose file parses, its nodes' environment is a valid
 * config, Prometheus scrapes where the nodes listen, and every metric the
 * Grafana dashboard queries is one the server registers (and every
 * softswitch metric has a panel).
 */
const DOCKER = join(repoRoot(), 'docker');
const read = (file: string) => readFileSync(join(DOCKER, file), 'utf8');

type Service = {
  image?: string;
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  volumes?: string[];
  ports?: string[];
  command?: string[];
};
const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const nodes = Object.entries(services).filter(([name]) => /^node\d+$/.test(name));

/** `${VAR:-default}` -> default, `${VAR:?message}` -> a stand-in: what compose substitutes with nothing set. */
function interpolate(value: string | number): string {
  return String(value).replace(/\$\{[A-Z_]+:([-?])([^}]*)\}/g, (_m, kind: string, rest: string) => (kind === '-' ? rest : 'set-by-operator'));
}

t.test('compose: Redis, two nodes, Prometheus and Grafana', async (t) => {
  t.same(Object.keys(services).sort(), ['grafana', 'node1', 'node2', 'prometheus', 'redis']);
  t.equal(nodes.length, 2);
});

t.test("each node's environment is a valid configuration, with metrics reachable on the compose network", async (t) => {
  for (const [name, service] of nodes) {
    const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
    const config = loadConfig({ env });
    t.equal(config.nodeId, name, `${name}: NODE_ID`);
    t.equal(config.metrics.enabled, true, `${name}: metrics on`);
    t.equal(config.metrics.address, '0.0.0.0', `${name}: metrics on the container's interfaces, for Prometheus`);
    t.notOk(
      (service.ports ?? []).some((p) => p.includes(String(config.metrics.port))),
      `${name}: the metrics port is not published to the host`,
    );
    t.match(service.healthcheck?.test.join(' ') ?? '', new RegExp(`127\\.0\\.0\\.1:${config.metrics.port}/readyz`), `${name}: healthcheck on /readyz`);
    const grace = /^(\d+)s$/.exec(service.stop_grace_period ?? '');
    t.ok(grace && Number(grace[1]) > config.shutdown.drainSeconds, `${name}: stop_grace_period longer than shutdown.drainSeconds`);
  }
});

t.test('Prometheus scrapes /metrics of every node, where it listens', async (t) => {
  const prometheus = parse(read('prometheus/prometheus.yml')) as {
    scrape_configs: Array<{ job_name: string; metrics_path?: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }> }>;
  };
  const job = prometheus.scrape_configs.find((c) => c.job_name === 'softswitch');
  t.ok(job);
  t.equal(job?.metrics_path ?? '/metrics', '/metrics');
  const targets = (job?.static_configs ?? []).flatMap((c) => c.targets.map((target) => ({ target, node: c.labels?.node })));
  t.same(targets.map((x) => x.target).sort(), nodes.map(([name, s]) => `${name}:${String(s.environment?.METRICS_PORT)}`).sort());
  for (const { target, node } of targets) t.equal(node, target.split(':')[0], `${target}: labelled node=${node}`);
});

t.test('every file the compose file mounts exists', async (t) => {
  for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0]!;
      if (!source.startsWith('.')) continue; // a named volume
      t.ok(existsSync(resolve(DOCKER, source)), `${name}: ${source}`);
    }
  }
});

type Panel = { type: string; title: string; datasource?: { uid: string }; targets?: Array<{ expr: string; datasource?: { uid: string } }> };
const dashboard = JSON.parse(read('grafana/dashboards/softswitch.json')) as {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ query: { query: string } | string }> };
};
const exprs = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr }))),
  ...dashboard.templating.list.map((v) => ({ panel: 'variable', expr: typeof v.query === 'string' ? v.query : v.query.query })),
];

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, label names or variables. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(by|without)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/label_values\(([^,]+),[^)]*\)/g, '$1');
  return [...stripped.matchAll(/\b([a-z_][a-z0-9_]*)\b(?!\s*\()/g)].map((m) => m[1]!).filter((n) => n.includes('_') && !n.startsWith('__'));
}

t.test('the dashboard queries only metrics the server registers, by labels they have', async (t) => {
  const metrics = new Metrics();
  const registered = new Map<string, string[]>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    const { name, type, labelNames } = m as unknown as { name: string; type: string; labelNames: string[] };
    const names = type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    for (const n of names) registered.set(n, type === 'histogram' ? [...labelNames, 'le'] : labelNames);
  }
  // Added by Prometheus or the deployment, not by the code.
  const scrapeLabels = ['node', 'instance', 'job', 'worker'];
  t.ok(exprs.length > 20, 'the dashboard has queries');
  for (const { panel, expr } of exprs) {
    const names = metricNames(expr);
    t.ok(names.length > 0, `${panel}: queries a metric`);
    for (const name of names) t.ok(registered.has(name), `${panel}: ${name} is registered`, { expr });
    const known = new Set([...scrapeLabels, ...names.flatMap((n) => registered.get(n) ?? [])]);
    for (const clause of expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)) {
      for (const label of clause[1]!.split(',').map((l) => l.trim())) t.ok(known.has(label), `${panel}: label ${label} exists`, { expr });
    }
    for (const matcher of expr.matchAll(/\{([^}]*)\}/g)) {
      for (const label of matcher[1]!.split(',').map((m) => m.split(/[=!~]/)[0]!.trim())) t.ok(known.has(label), `${panel}: label ${label} exists`, { expr });
    }
  }
  const queried = new Set(exprs.flatMap(({ expr }) => metricNames(expr).map((n) => n.replace(/_(bucket|sum|count)$/, ''))));
  for (const m of metrics.registry.getMetricsAsArray()) {
    if (m.name.startsWith('softswitch_')) t.ok(queried.has(m.name), `${m.name} has a panel`);
  }
  t.ok(queried.has('nodejs_eventloop_lag_p99_seconds'), 'event-loop lag has a panel');
});

t.test("the dashboard's datasource is the one Grafana is provisioned with", async (t) => {
  const provisioned = parse(read('grafana/provisioning/datasources/prometheus.yaml')) as { datasources: Array<{ uid: string; url: string }> };
  const uids = new Set(provisioned.datasources.map((d) => d.uid));
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    t.ok(panel.datasource && uids.has(panel.datasource.uid), `${panel.title}: datasource ${panel.datasource?.uid}`);
  }
  t.match(provisioned.datasources[0]?.url ?? '', /^http:\/\/prometheus:9090$/, 'the compose Prometheus service');
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Log } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ReadinessReport } from './readiness.js';

/**
 * The monitoring listener: `/metrics` (Prometheus text), `/healthz` (the
 * process answers) and `/readyz` (ready for traffic). It is its own small
 * HTTP server, apart from the management API, because it must run on every
 * node whether or not the API is configured, and because scrapers and load
 * balancers need no account. It answers nothing else, carries no secret (no
 * address, number, SIP-ID, URL or password appears in a metric or a check),
 * and listens on loopback unless told otherwise.
 */
export interface MonitorServerDeps {
  /** This process' metrics, or (a node's primary) every worker's merged. */
  metrics: Pick<Metrics, 'text' | 'contentType'>;
  /** This process' readiness, or (a node's primary) every worker's together. */
  readiness: { report(): Promise<ReadinessReport> };
  log: Log;
}

export interface MonitorServer {
  /** The bound port (a configured 0 becomes a real one). */
  readonly port: number;
  close(): Promise<void>;
}

/** Scrapers and probes keep a few connections each; more than this from anyone is refused. */
const MAX_CONNECTIONS = 64;

export async function startMonitorServer(address: string, port: number, deps: MonitorServerDeps): Promise<MonitorServer> {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((err: unknown) => {
      deps.log.error({ event: 'monitor.error', path: pathOf(req), err }, 'monitoring endpoint failed');
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  await listen(server, address, port);
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, { metrics, readiness }: MonitorServerDeps): Promise<void> {
  const path = pathOf(req);
  if (path !== '/metrics' && path !== '/healthz' && path !== '/readyz') return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  if (path === '/metrics') return send(res, 200, metrics.contentType, await metrics.text());
  if (path === '/healthz') return send(res, 200, 'application/json', JSON.stringify({ status: 'alive' }));
  const report = await readiness.report();
  send(res, report.ready ? 200 : 503, 'application/json', JSON.stringify({ status: report.ready ? 'ready' : 'not ready', checks: report.checks }));
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function listen(server: Server, address: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

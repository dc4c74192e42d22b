import { existsSync } from 'node:fs';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freeTcpPort, runBounded, sleep, startManaged, stopManaged, type Managed } from './proc.js';
import { waitForSip } from './sip-probe.js';
import type { BenchUser } from './users.js';

/**
 * How to run one of the server's CLIs: `node dist/src/cli/<name>.js` when the
 * bench itself runs compiled, `node --import tsx src/cli/<name>.ts` under tsx.
 */
export function cliCommand(root: string, name: 'start' | 'provision', tsx: boolean): { cmd: string; args: string[]; file: string } {
  const file = tsx ? join(root, 'src', 'cli', `${name}.ts`) : join(root, 'dist', 'src', 'cli', `${name}.js`);
  return { cmd: process.execPath, args: tsx ? ['--import', 'tsx', file] : [file], file };
}

/**
 * The server's config for the bench: one UDP listener on loopback, its own
 * Redis. The challenge offers MD5 only, as the Kamailio reference does; SIPp
 * 3.6.1 also aborts (exit 255) when the first challenge is SHA-256.
 */
export function serverConfig(o: {
  port: number;
  redisUrl: string;
  domain: string;
  logLevel?: string;
  callRecords?: boolean;
  /** overload.maxQueueDelay (ms; 0: no load shedding); the server's default when not given. */
  maxQueueDelay?: number;
  /** The monitoring listener's port (/readyz); its own free port, so runs never collide on the default. */
  metricsPort?: number;
}): Record<string, unknown> {
  return {
    sip: { domain: o.domain, realm: o.domain, listen: [{ transport: 'udp', address: '127.0.0.1', port: o.port }] },
    redis: { url: o.redisUrl, keyPrefix: 'bench:' },
    log: { level: o.logLevel ?? 'warn' },
    registrar: { maxContacts: 5, minExpires: 60, maxExpires: 3600, defaultExpires: 3600 },
    auth: { algorithms: ['MD5'] },
    // The bench's IP trunks (SIPp) run on this machine, on 127.0.0.x.
    provisioning: { allowLoopbackAddresses: true },
    ...(o.callRecords !== undefined ? { cdr: { enabled: o.callRecords } } : {}),
    ...(o.maxQueueDelay !== undefined ? { overload: { maxQueueDelay: o.maxQueueDelay } } : {}),
    ...(o.metricsPort !== undefined ? { metrics: { enabled: true, address: '127.0.0.1', port: o.metricsPort } } : {}),
  };
}

/** The bench's voice group and a site of it (9000001 unless told), holding `site` (its lines and groups). */
export function benchSiteDoc(site: Record<string, unknown>, siteId = '9000001'): { voiceGroups: unknown[] } {
  return { voiceGroups: [{ id: 'BENCH', name: 'Bench', sites: [{ id: siteId, name: `Bench site ${siteId}`, ...site }] }] };
}

/** One digest line per bench user. */
export function provisioningDoc(users: BenchUser[], siteId?: string): Record<string, unknown> {
  return benchSiteDoc({ lines: users.map((u) => ({ sipId: u.sipId, password: u.password, auth: 'digest', channels: 2, basicNumber: u.basicNumber })) }, siteId);
}

/**
 * The users as several provisioning documents of at most `perSite` lines,
 * each its own site (9000001, 9000002, ...). The provision command adds and
 * updates what a file lists and removes nothing else, so applying them one
 * after the other provisions every line; one file of 100,000 lines overflows
 * the call stack in the provision command (it WATCHes every key in one call).
 */
export function provisioningDocs(users: BenchUser[], perSite: number): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  for (let i = 0; i < users.length; i += perSite) docs.push(provisioningDoc(users.slice(i, i + perSite), String(9000001 + docs.length)));
  return docs;
}

export interface SoftswitchHandle {
  port: number;
  /** Where /readyz answers. */
  metricsPort: number;
  /** performance.now() when the server was spawned. */
  startedAt: number;
  /** ms from spawning the server to its first answer to OPTIONS. */
  startMs: number;
  proc: Managed;
  stop(): Promise<void>;
}

/**
 * The environment of the server process: `WORKERS=N` asks for N worker
 * processes (bench --workers N); the server's default when not given.
 */
export function serverEnv(workers: number | undefined, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return workers === undefined ? { ...base } : { ...base, WORKERS: String(workers) };
}

/** Why the softswitch half cannot run yet, or undefined when its CLIs exist. */
export function softswitchMissing(root: string, tsx: boolean): string | undefined {
  for (const name of ['start', 'provision'] as const) {
    const { file } = cliCommand(root, name, tsx);
    if (!existsSync(file)) return `${file} not found${tsx ? '' : ' (run npm run build)'}`;
  }
  return undefined;
}

/** Writes config + provisioning, provisions the users, starts the server, waits for OPTIONS. */
export async function startSoftswitch(o: {
  root: string;
  tsx: boolean;
  workDir: string;
  port: number;
  redisUrl: string;
  domain: string;
  users: BenchUser[];
  /** The provisioning document(s) to apply, in order; provisioningDoc(users) when not given. */
  provisioning?: Record<string, unknown> | Array<Record<string, unknown>>;
  /** Options for the server's node (e.g. --trace-gc), before its script. */
  nodeArgs?: string[];
  /** The server's log level; warn when not given. */
  logLevel?: string;
  /** cdr.enabled; the server's default (on) when not given. */
  callRecords?: boolean;
  /** overload.maxQueueDelay (ms; 0: no load shedding); the server's default when not given. */
  maxQueueDelay?: number;
  /** Runs after provisioning, before the server starts (e.g. to check what was stored). */
  afterProvisioning?: () => Promise<void>;
  /** Worker processes (passed as WORKERS); the server's default when not given. */
  workers?: number;
  /** Skip the provision command (the data is already in Redis). */
  skipProvisioning?: boolean;
  /** How long to wait for the first answer to OPTIONS; 15 s when not given. */
  startTimeoutMs?: number;
}): Promise<SoftswitchHandle> {
  const dir = join(o.workDir, 'softswitch');
  await mkdir(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  const metricsPort = await freeTcpPort();
  await writeFile(configFile, stringify(serverConfig({ ...o, metricsPort })));
  if (!o.skipProvisioning) {
    const docs = o.provisioning === undefined ? [provisioningDoc(o.users)] : Array.isArray(o.provisioning) ? o.provisioning : [o.provisioning];
    const prov = cliCommand(o.root, 'provision', o.tsx);
    for (const [k, doc] of docs.entries()) {
      // JSON (which the provision command reads too): a large document stringifies and parses much faster than YAML.
      const provFile = join(dir, `provisioning-${k}.json`);
      await writeFile(provFile, JSON.stringify(doc));
      const res = await runBounded(prov.cmd, [...prov.args, '--config', configFile, provFile], { cwd: o.root, hardLimitMs: 600000 });
      if (res.code !== 0) throw new Error(`provisioning failed (exit ${res.code}):\n${res.stderr}\n${res.stdout}`.trimEnd());
    }
  }
  await o.afterProvisioning?.();

  const start = cliCommand(o.root, 'start', o.tsx);
  const startedAt = performance.now();
  // Its whole output (log lines, and what --server-node-args asks for, e.g. --trace-gc) stays in server.log (--keep).
  const proc = startManaged('softswitch', start.cmd, [...(o.nodeArgs ?? []), ...start.args, '--config', configFile], {
    cwd: o.root,
    env: serverEnv(o.workers),
    logFile: join(dir, 'server.log'),
    role: 'target',
  });
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  const up = await waitForSip('127.0.0.1', o.port, o.startTimeoutMs ?? 15000, () => dead);
  if (!up) {
    await stopManaged(proc);
    throw new Error(`softswitch did not answer OPTIONS on 127.0.0.1:${o.port}\n${proc.stderr.text()}\n${proc.stdout.text()}`.trimEnd());
  }
  return { port: o.port, metricsPort, startedAt, startMs: performance.now() - startedAt, proc, stop: () => stopManaged(proc) };
}

/** Polls /readyz every 20 ms until it answers 200; resolves true then, false after timeoutMs. */
export async function waitReady(metricsPort: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  return false;
}

/** The sum of the series of `name` in a Prometheus text exposition whose labels include `label` (every series when none); 0 when absent. */
export function metricSum(exposition: string, name: string, label?: string): number {
  let sum = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
    if (label !== undefined && !line.slice(name.length, line.lastIndexOf(' ')).includes(label)) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/**
 * REGISTERs decided a second time because another worker had written the
 * line's bindings since this one last read them, and the REGISTERs that
 * registered, read from the node's merged /metrics; undefined when it does
 * not answer.
 */
export async function registrationRetries(metricsPort: number): Promise<{ retries: number; registered: number } | undefined> {
  try {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    return {
      retries: metricSum(text, 'softswitch_registration_retries_total'),
      registered: metricSum(text, 'softswitch_registrations_total', 'outcome="registered"'),
    };
  } catch {
    return undefined;
  }
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePort } from './free-port.js';

/**
 * The real softswitch as a child process, the way an operator runs it: a
 * config file, `start --config FILE`, pino JSON lines on stdout. Under tsx
 * (this file is .ts) it runs src/ with tsx; compiled (dist/test/...) it runs
 * dist/src/.
 */
const underTsx = import.meta.url.endsWith('.ts');
/** Repository root: test/helpers/ under tsx, dist/test/helpers/ compiled. */
export const ROOT = fileURLToPath(new URL(underTsx ? '../../' : '../../../', import.meta.url));

/** Environment overrides the config loader honours; a test's config must not be changed by the caller's shell. */
const CONFIG_ENV = [
  'REDIS_URL',
  'LOG_LEVEL',
  'SIP_DOMAIN',
  'SIP_REALM',
  'SIP_PORT',
  'SIP_ADDRESS',
  'NODE_ID',
  'NONCE_SECRET',
  'SOFTSWITCH_CONFIG',
  'METRICS_ADDRESS',
  'METRICS_PORT',
  'WORKERS',
];

export type Cli = 'start' | 'provision' | 'status' | 'cdr';

/** argv (after node) to run one of our CLIs. */
export function cliCommand(cli: Cli, args: string[]): string[] {
  return underTsx ? ['--import', 'tsx', join(ROOT, 'src', 'cli', `${cli}.ts`), ...args] : [join(ROOT, 'dist', 'src', 'cli', `${cli}.js`), ...args];
}

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of CONFIG_ENV) delete env[name];
  return env;
}

export interface ServerOptions {
  redisUrl: string;
  /** UDP and TCP on 127.0.0.1 with this port; default: a free one. */
  port?: number;
  nodeId?: string;
  keyPrefix?: string;
  domain?: string;
  nonceSecret?: string;
  nonceLifetime?: number;
  /** `auth.algorithms`; 'server-default': left out of the file, so the server's own default applies (default here: [MD5, SHA-256]). */
  algorithms?: Array<'MD5' | 'SHA-256'> | 'server-default';
  registrar?: Partial<{ minExpires: number; maxExpires: number; defaultExpires: number; maxContacts: number }>;
  /** security.bans: password-guessing limits (defaults: the server's own). */
  bans?: Partial<{
    maxFailures: number;
    windowSeconds: number;
    banSeconds: number;
    sipIdMaxFailures: number;
    targetedMaxFailures: number;
    action: 'drop' | '403';
  }>;
  /** The management API on this loopback port, with an operator account `operator`. */
  api?: { port: number; operatorPassword: string };
  logLevel?: string;
  /** `redis.commandTimeout`, ms (default: the server's). */
  commandTimeout?: number;
  /** `log.summaryInterval`, s (default: the server's). */
  logSummaryInterval?: number;
  /** provisioning.allowLoopbackAddresses; default true: the test rig's IP trunks and peers run on this machine (127.0.0.x). */
  allowLoopbackAddresses?: boolean;
  /** `shutdown.drainSeconds` (default here 2, so a test's stop() never waits long for a call it left up). */
  drainSeconds?: number;
  /** `cdr` settings (default: the server's). */
  cdr?: Partial<{ enabled: boolean; retentionDays: number; nodeLostAfter: number }>;
  /** More top-level config sections (monitoring, webhooks, hep, ...), written as given. */
  extra?: Record<string, unknown>;
  /** Worker processes (`workers`); default 1 here, so the suite's servers stay one process each unless a test asks. */
  workers?: number | 'auto';
  /** The `announcements` section (announcement server and prompts); default: none. */
  announcements?: Record<string, unknown>;
}

/** A config file on disk and what a test needs to know about it. */
export interface ServerConfig {
  file: string;
  port: number;
  /** The monitoring listener (/metrics, /healthz, /readyz) on 127.0.0.1: a free port per node. */
  metricsPort: number;
  nodeId: string;
  domain: string;
  /** The management API's port, when it runs. */
  apiPort?: number;
  /** Worker processes (1 unless the test asked for more). */
  workers: number | 'auto';
}

const tempDirs: string[] = [];
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

let signalsHooked = false;
/**
 * A test killed by a signal (tap's timeout sends SIGTERM) still runs its
 * 'exit' handlers, which SIGKILL every child (server, SIPp, redis-server):
 * no process outlives its test file.
 */
export function exitOnSignals(): void {
  if (signalsHooked) return;
  signalsHooked = true;
  process.once('SIGTERM', () => process.exit(143));
  process.once('SIGINT', () => process.exit(130));
}

/** A temp directory removed when the test process exits. */
export function tempDir(prefix = 'ss-it-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function writeServerConfig(options: ServerOptions): Promise<ServerConfig> {
  const port = options.port ?? (await freePort());
  const metricsPort = await freePort();
  const nodeId = options.nodeId ?? 'node-a';
  const domain = options.domain ?? 'test.example';
  const config = {
    nodeId,
    workers: options.workers ?? 1,
    sip: {
      domain,
      realm: domain,
      listen: [
        { transport: 'udp', address: '127.0.0.1', port },
        { transport: 'tcp', address: '127.0.0.1', port },
      ],
    },
    redis: {
      url: options.redisUrl,
      keyPrefix: options.keyPrefix ?? 't1:',
      ...(options.commandTimeout !== undefined ? { commandTimeout: options.commandTimeout } : {}),
    },
    registrar: { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContacts: 3, ...options.registrar },
    auth: {
      nonceLifetime: options.nonceLifetime ?? 300,
      // SIPp 3.6 answers only MD5 challenges, and answers the first one it is given.
      ...(options.algorithms === 'server-default' ? {} : { algorithms: options.algorithms ?? ['MD5', 'SHA-256'] }),
      ...(options.nonceSecret ? { nonceSecret: options.nonceSecret } : {}),
    },
    ...(options.bans ? { security: { bans: options.bans } } : {}),
    ...(options.api ? { api: { address: '127.0.0.1', port: options.api.port, operator: { name: 'operator', password: options.api.operatorPassword } } } : {}),
    log: {
      level: options.logLevel ?? 'info',
      ...(options.logSummaryInterval !== undefined ? { summaryInterval: options.logSummaryInterval } : {}),
    },
    provisioning: { allowLoopbackAddresses: options.allowLoopbackAddresses ?? true },
    metrics: { address: '127.0.0.1', port: metricsPort },
    shutdown: { drainSeconds: options.drainSeconds ?? 2 },
    ...(options.cdr ? { cdr: options.cdr } : {}),
    ...options.extra,
    ...(options.announcements ? { announcements: options.announcements } : {}),
  };
  const file = join(tempDir(), `${nodeId}.yaml`);
  writeFileSync(file, stringify(config));
  const workers = (options.extra?.workers as number | 'auto' | undefined) ?? options.workers ?? 1;
  return { file, port, metricsPort, nodeId, domain, workers, ...(options.api ? { apiPort: options.api.port } : {}) };
}

/** One pino JSON line of the server's stdout. */
export interface LogLine {
  event?: string;
  level?: string;
  msg?: string;
  [field: string]: unknown;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface LineStatusJson {
  sipId: string;
  status: 'registered' | 'not registered' | 'not applicable';
  bindings: Array<{
    uri: string;
    expiresAt: number;
    q?: number;
    path: string[];
    source: { transport: string; address: string; port: number; node: string; connectionId?: string };
  }>;
  latestError?: { at: string; text: string };
}

export class ServerProcess {
  /** Every stdout line, parsed when it is JSON. */
  readonly lines: LogLine[] = [];
  private stdoutText = '';
  private stderrText = '';
  private partial = '';
  private readonly waiters = new Set<() => void>();
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    readonly config: ServerConfig,
    private readonly child: ChildProcess,
  ) {
    process.once('exit', this.killOnExit);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.onStdout(chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
    });
    this.exited = new Promise((resolve) => {
      // 'close', not 'exit': by then stdout is drained, so the last log lines are in.
      child.once('close', (code, signal) => {
        this.exitCode = signal ? null : code;
        process.off('exit', this.killOnExit);
        this.wake();
        resolve(this.exitCode);
      });
    });
  }

  /** Start a node and wait for its `server.listening` line (several workers: the primary's, once every worker listens). */
  static async start(config: ServerConfig, timeoutMs = config.workers === 1 ? 20_000 : 60_000): Promise<ServerProcess> {
    exitOnSignals();
    const child = spawn(process.execPath, cliCommand('start', ['--config', config.file]), {
      cwd: ROOT,
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(config, child);
    try {
      await server.waitForEvent('server.listening', { timeoutMs });
    } catch (err) {
      child.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\nstdout:\n${server.stdoutText}\nstderr:\n${server.stderrText}`, { cause: err });
    }
    return server;
  }

  get port(): number {
    return this.config.port;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Everything the process printed, stdout then stderr. */
  get output(): string {
    return this.stdoutText + this.stderrText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /**
   * Index to pass as `since` so a wait only looks at lines printed after now.
   * Lines travel through a pipe: one logged just before a response the test
   * has already seen may still arrive after the mark, so filter on content too.
   */
  mark(): number {
    return this.lines.length;
  }

  events(event: string, since = 0): LogLine[] {
    return this.lines.slice(since).filter((l) => l.event === event);
  }

  /** The first line (at or after `since`) with this event and matching `where`; waits for it. */
  waitForEvent(event: string, opts: { since?: number; where?: (line: LogLine) => boolean; timeoutMs?: number } = {}): Promise<LogLine> {
    const { since = 0, where = () => true, timeoutMs = 5000 } = opts;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.lines.slice(since).find((l) => l.event === event && where(l));
        if (found) {
          done();
          resolve(found);
          return true;
        }
        if (this.exitCode !== undefined) {
          done();
          reject(new Error(`server exited (${this.exitCode}) before logging ${event}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${event} log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      if (!check()) this.waiters.add(waiter);
    });
  }

  /** SIGTERM and wait for the exit code (SIGKILL after `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  kill(): void {
    if (this.exitCode === undefined) this.child.kill('SIGKILL');
  }

  /** Send a signal and return at once (e.g. SIGTERM to watch the drain). */
  signal(name: NodeJS.Signals): void {
    if (this.exitCode === undefined) this.child.kill(name);
  }

  /** Wait for the process to exit by itself: its exit code, or SIGKILL and null after `timeoutMs`. */
  async waitForExit(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private onStdout(chunk: string): void {
    this.stdoutText += chunk;
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const text of parts) {
      if (text.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(text) as LogLine);
      } catch {
        this.lines.push({ msg: text });
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

export async function startServer(options: ServerOptions | ServerConfig): Promise<ServerProcess> {
  const config = 'file' in options ? options : await writeServerConfig(options);
  return ServerProcess.start(config);
}

/** Run one of our CLIs to completion (killed after `timeoutMs`). */
export function runCli(cli: Cli, args: string[], timeoutMs = 20_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliCommand(cli, args), { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Apply a provisioning document (an object, written to a temp YAML file) through the provisioning CLI. */
export async function provision(config: ServerConfig, document: unknown): Promise<CliResult> {
  const file = join(tempDir('ss-it-prov-'), 'provisioning.yaml');
  writeFileSync(file, stringify(document));
  const result = await runCli('provision', ['--config', config.file, file]);
  if (result.code !== 0) throw new Error(`provisioning failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result;
}

/** `status --json SIP_ID`: the one line's status. */
export async function lineStatus(config: ServerConfig, sipId: string): Promise<LineStatusJson> {
  const result = await runCli('status', ['--config', config.file, '--json', sipId]);
  if (result.code !== 0) throw new Error(`status failed (${result.code}): ${result.stderr}`);
  const parsed = JSON.parse(result.stdout) as LineStatusJson[];
  const status = parsed.find((s) => s.sipId === sipId);
  if (!status) throw new Error(`status printed no entry for ${sipId}: ${result.stdout}`);
  return status;
}

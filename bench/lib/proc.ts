import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { placedCommand, type Placement, type Role } from './placement.js';

/** Where the processes started from here run (placement.ts); set once from a bench's options. */
let placement: Placement = {};

export function placeProcesses(wanted: Placement): void {
  placement = { ...wanted };
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ, 100 on Linux x86). */
const CLK_TCK = 100;

/** Keeps the last lines a child printed, for error messages; drains the pipe. */
export class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 40) {}
  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text(): string {
    return [...this.lines, this.partial].filter((l) => l.length > 0).join('\n');
  }
}

export interface Managed {
  child: ChildProcess;
  name: string;
  stdout: TailBuffer;
  stderr: TailBuffer;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts a long-lived child (server, redis, kamailio) whose output is kept in
 * tails, and, with `logFile`, written whole to that file (stdout and stderr
 * as they come: e.g. the server's log and its `--trace-gc` lines).
 */
export function startManaged(name: string, cmd: string, args: string[], opts: SpawnOptions & { logFile?: string; role?: Role } = {}): Managed {
  const { logFile, role, ...spawnOptions } = opts;
  const placed = placedCommand(placement, role, cmd, args);
  const child = spawn(placed.cmd, placed.args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout = new TailBuffer();
  const stderr = new TailBuffer();
  const file = logFile ? createWriteStream(logFile, { flags: 'a' }) : undefined;
  child.stdout?.on('data', (c: Buffer) => {
    stdout.push(c);
    file?.write(c);
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr.push(c);
    file?.write(c);
  });
  // Ended once both pipes are drained (after the child's exit), so the file is complete.
  if (file) child.once('close', () => file.end());
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (err) => {
      stderr.push(`spawn error: ${err.message}\n`);
      resolve({ code: -1, signal: null });
    });
  });
  return { child, name, stdout, stderr, exited };
}

/** SIGTERM, then SIGKILL after graceMs. Resolves once the process is gone. */
export async function stopManaged(m: Managed, graceMs = 5000): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) return;
  m.child.kill('SIGTERM');
  const timer = setTimeout(() => m.child.kill('SIGKILL'), graceMs);
  await m.exited;
  clearTimeout(timer);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  killed: boolean;
  wallMs: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; SIGKILLs it after hardLimitMs so a run always ends. */
export function runBounded(
  cmd: string,
  args: string[],
  opts: { cwd?: string; hardLimitMs: number; onSpawn?: (pid: number) => void; role?: Role },
): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const placed = placedCommand(placement, opts.role, cmd, args);
    const child = spawn(placed.cmd, placed.args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = new TailBuffer(200);
    const err = new TailBuffer(200);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, opts.hardLimitMs);
    if (child.pid !== undefined) opts.onSpawn?.(child.pid);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code, signal, killed, wallMs: performance.now() - started, stdout: out.text(), stderr: err.text() });
    };
    child.once('error', (e) => {
      err.push(`spawn error: ${e.message}\n`);
      finish(-1, null);
    });
    child.once('exit', finish);
  });
}

/** A free UDP port on 127.0.0.1 (the kernel picks it; small race, fine for a bench). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * The fields of /proc/<pid>/stat the bench needs: parent pid, CPU seconds
 * (utime + stime, fields 14 and 15), and the part of them spent in the
 * kernel (stime: system calls such as sending a datagram, which on loopback
 * also runs the receiver's side). The command name is in parentheses and
 * may itself hold spaces or ')', so fields are counted after the last ')'.
 */
export function parseProcStat(stat: string, clockTicks = CLK_TCK): { ppid: number; cpuSec: number; kernelSec: number } | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const rest = stat.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { ppid, cpuSec: (utime + stime) / clockTicks, kernelSec: stime / clockTicks };
}

/** CPU seconds used so far, in all and in the kernel. */
export interface CpuTimes {
  cpuSec: number;
  kernelSec: number;
}

/** CPU seconds (user + system, and system alone) used so far by one process; 0 once it is gone. */
export function cpuTimes(pid: number): CpuTimes {
  try {
    const parsed = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return parsed ? { cpuSec: parsed.cpuSec, kernelSec: parsed.kernelSec } : { cpuSec: 0, kernelSec: 0 };
  } catch {
    return { cpuSec: 0, kernelSec: 0 };
  }
}

/** CPU seconds (user + system) used so far by one process; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  return cpuTimes(pid).cpuSec;
}

/** The pid and all its descendants (Kamailio forks its workers). */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parsed = parseProcStat(readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (parsed) parentOf.set(Number(entry), parsed.ppid);
    } catch {
      // process ended while listing
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** CPU % of one core from two CPU-seconds readings over wallSec seconds. */
export function cpuPercent(cpuBefore: number, cpuAfter: number, wallSec: number): number {
  return wallSec > 0 ? (100 * (cpuAfter - cpuBefore)) / wallSec : 0;
}

/** CPU seconds used so far by a set of process trees, in all and in the kernel. */
export function treeCpuTimes(roots: number[]): CpuTimes {
  const total: CpuTimes = { cpuSec: 0, kernelSec: 0 };
  for (const root of roots) {
    for (const pid of processTree(root)) {
      const t = cpuTimes(pid);
      total.cpuSec += t.cpuSec;
      total.kernelSec += t.kernelSec;
    }
  }
  return total;
}

/** CPU seconds used so far by a set of process trees. */
export function treeCpuSeconds(roots: number[]): number {
  return treeCpuTimes(roots).cpuSec;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Machine-wide count of UDP datagrams dropped for a full receive buffer (/proc/net/snmp). */
export function udpRcvbufErrors(): number {
  try {
    const lines = readFileSync('/proc/net/snmp', 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('Udp:'));
    const head = (lines[0] ?? '').split(/\s+/);
    const vals = (lines[1] ?? '').split(/\s+/);
    return Number(vals[head.indexOf('RcvbufErrors')] ?? 0);
  } catch {
    return 0;
  }
}

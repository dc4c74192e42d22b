import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cpuPercent, freeUdpPort, treeCpuSeconds, treeCpuTimes, udpRcvbufErrors } from './proc.js';
import { isHeld, type RateStep } from './search.js';
import { fmtPercent } from './summary.js';
import { runSipp, type SippRun } from './sipp.js';
import { contactPort, sippUsersCsv, trunkAddress, type BenchUser } from './users.js';

export interface LoadPlan {
  scenario: string;
  workDir: string;
  durationSec: number;
  /** One injection file per SIPp process; users are split so each process has its own. */
  csvFiles: string[];
  /**
   * One fixed local port per SIPp process for the whole bench: the Contact
   * (user@127.0.0.1:port) stays the same from step to step, so re-registrations
   * refresh one binding per user instead of piling up to max_contacts.
   */
  localPorts: number[];
  /** Local address per SIPp process (127.0.0.1 when not given). */
  localIps?: string[];
  /** More SIPp options for every process of the plan. */
  extraArgs?: string[];
  /** Keep SIPp's account of failed calls in workDir/errors-<label>-<rate>-<k>.log (see errorFiles). */
  traceErrors?: boolean;
}

/** The -trace_err files of one step, as measureRate names them. */
export function errorFiles(plan: LoadPlan, label: string, rate: number): string[] {
  return plan.csvFiles.map((_, k) => join(plan.workDir, `errors-${label}-${rate}-${k}.log`));
}

/** Writes one injection CSV per SIPp process (users dealt round-robin). */
export async function prepareLoad(o: {
  scenario: string;
  workDir: string;
  durationSec: number;
  users: BenchUser[];
  domain: string;
  sippProcs: number;
  /** More SIPp options for every process (e.g. the socket mode's). */
  extraArgs?: string[];
  /** Each line's own Contact port, contactPort(index of the user), in the injection file (test/sipp/bench-register-many.xml). */
  contactPorts?: boolean;
  /**
   * Each line's own source address, trunkAddress(index of the user), with the
   * process's local port, in the injection file (test/sipp/bench-register-trunks.xml, SIPp -t ui).
   */
  trunkSources?: boolean;
  /** Local UDP ports to reuse (one per process), so a later plan keeps the Contacts of an earlier one. */
  localPorts?: number[];
}): Promise<LoadPlan> {
  const n = Math.max(1, Math.min(o.sippProcs, o.users.length));
  const csvFiles: string[] = [];
  const localPorts: number[] = [];
  const suffix = o.trunkSources ? '-trunks' : o.contactPorts ? '-many' : '';
  for (let k = 0; k < n; k++) {
    const mine = o.users.map((_, i) => i).filter((i) => i % n === k);
    const slice = mine.map((i) => o.users[i]!);
    const port = o.localPorts?.[k] ?? (await freeUdpPort());
    const file = join(o.workDir, `users-${k}${suffix}.csv`);
    const extra = o.trunkSources
      ? { trunkSources: mine.map((i) => ({ address: trunkAddress(i), port })) }
      : o.contactPorts
        ? { contactPorts: mine.map(contactPort) }
        : {};
    await writeFile(file, sippUsersCsv(slice, o.domain, extra));
    csvFiles.push(file);
    localPorts.push(port);
  }
  return {
    scenario: o.scenario,
    workDir: o.workDir,
    durationSec: o.durationSec,
    csvFiles,
    localPorts,
    ...(o.extraArgs && o.extraArgs.length > 0 ? { extraArgs: o.extraArgs } : {}),
  };
}

/** CPU of the system under test at one fixed rate, % of one core (all its processes, workers included). */
export interface CpuFigure {
  rate: number;
  durationSec: number;
  /** The server's processes (Kamailio and its children, or the softswitch and its workers). */
  serverPercent: number;
  /** The part of serverPercent spent in the kernel (system time: the datagrams' sending and receiving, and the store's socket). */
  serverKernelPercent?: number;
  /** Its Redis, when it has one. */
  storePercent?: number;
  /** Whether the rate was held (a figure at a rate not held means little). */
  held: boolean;
}

/**
 * One step at a fixed rate, the server's CPU from the step and its store's
 * read around it (/proc/<pid>/stat utime + stime of each process tree).
 */
export async function measureCpu(rate: number, durationSec: number, storeRoots: number[], step: () => Promise<RateStep>): Promise<CpuFigure> {
  const store0 = treeCpuSeconds(storeRoots);
  const t0 = performance.now();
  const s = await step();
  const storePercent = cpuPercent(store0, treeCpuSeconds(storeRoots), (performance.now() - t0) / 1000);
  return {
    rate,
    durationSec,
    serverPercent: s.targetCpu,
    ...(s.targetKernelCpu !== undefined ? { serverKernelPercent: s.targetKernelCpu } : {}),
    ...(storeRoots.length > 0 ? { storePercent: Math.round(storePercent) } : {}),
    held: s.held,
  };
}

/** A summary table's CPU cell: "24% (k 9%)", with * when the step did not hold its rate. */
export function cpuCell(cpu: CpuFigure | undefined): string {
  if (!cpu) return '-';
  const kernel = cpu.serverKernelPercent !== undefined ? ` (k ${fmtPercent(cpu.serverKernelPercent)})` : '';
  return fmtPercent(cpu.serverPercent) + kernel + (cpu.held ? '' : '*');
}

export const CPU_CELL_LEGEND = '  (k: the part of that CPU spent in the kernel, sending and receiving)';

/** The line a bench prints for its CPU step, e.g. "CPU at 250/s for 10 s: server 24% of a core (9% in the kernel), its redis 3%". */
export function cpuLine(cpu: CpuFigure, unit: string): string {
  const kernel = cpu.serverKernelPercent !== undefined ? ` (${fmtPercent(cpu.serverKernelPercent)} in the kernel)` : '';
  const store = cpu.storePercent !== undefined ? `, its redis ${fmtPercent(cpu.storePercent)}` : '';
  return `CPU at ${cpu.rate}${unit} for ${cpu.durationSec} s: server ${fmtPercent(cpu.serverPercent)} of a core${kernel}${store}${cpu.held ? '' : ' (rate NOT held)'}`;
}

/** Splits a rate over n processes so the parts add up exactly. */
export function splitRate(rate: number, n: number): number[] {
  const base = Math.floor(rate / n);
  return Array.from({ length: n }, (_, i) => base + (i < rate % n ? 1 : 0));
}

/**
 * Offers `rate` registrations/s for the plan's duration to 127.0.0.1:port and
 * sums what the SIPp processes saw. targetRoots are the pids whose CPU is the
 * system under test's (process trees).
 */
export async function measureRate(plan: LoadPlan, port: number, rate: number, targetRoots: number[], label: string): Promise<RateStep> {
  const parts = splitRate(rate, plan.csvFiles.length).filter((r) => r > 0);
  const cpu0 = treeCpuTimes(targetRoots);
  const drops0 = udpRcvbufErrors();
  const t0 = performance.now();
  const runs: SippRun[] = await Promise.all(
    parts.map((r, k) =>
      runSipp({
        scenario: plan.scenario,
        usersCsv: plan.csvFiles[k] ?? '',
        target: `127.0.0.1:${port}`,
        localPort: plan.localPorts[k] ?? 0,
        rate: r,
        calls: r * plan.durationSec,
        limit: Math.max(200, r),
        durationSec: plan.durationSec,
        workDir: plan.workDir,
        tag: `${label}-${rate}-${k}`,
        ...(plan.localIps?.[k] !== undefined ? { localIp: plan.localIps[k] } : {}),
        ...(plan.extraArgs ? { extraArgs: plan.extraArgs } : {}),
        ...(plan.traceErrors ? { errorFile: errorFiles(plan, label, rate)[k]! } : {}),
      }),
    ),
  );
  const wallSec = (performance.now() - t0) / 1000;
  const cpu1 = treeCpuTimes(targetRoots);
  const targetCpu = cpuPercent(cpu0.cpuSec, cpu1.cpuSec, wallSec);
  const targetKernelCpu = cpuPercent(cpu0.kernelSec, cpu1.kernelSec, wallSec);
  const udpDrops = udpRcvbufErrors() - drops0;

  let successful = 0;
  let failed = 0;
  let retransmissions = 0;
  let elapsed = 0;
  const notes: string[] = [];
  parts.forEach((r, k) => {
    const run = runs[k];
    const s = run?.stats;
    if (!run || !s) {
      failed += r * plan.durationSec;
      notes.push(`sipp #${k} left no stats (exit ${run?.exitCode}${run?.killed ? ', killed' : ''}): ${run?.errorTail ?? ''}`.trim());
      return;
    }
    if (run.killed) notes.push(`sipp #${k} hit the hard time limit`);
    // 0: all registrations succeeded, 1: some failed; anything else is SIPp itself failing.
    if (run.exitCode !== 0 && run.exitCode !== 1) notes.push(`sipp #${k} exit ${run.exitCode}: ${run.errorTail}`.trim());
    successful += s.successful;
    // Registrations never completed (sipp stopped by -timeout) count as failed too.
    failed += s.failed + Math.max(0, r * plan.durationSec - s.successful - s.failed);
    retransmissions += s.retransmissions;
    elapsed = Math.max(elapsed, s.elapsedSec);
  });
  const achieved = elapsed > 0 ? successful / elapsed : 0;
  const step: RateStep = {
    target: rate,
    successful,
    failed,
    retransmissions,
    udpDrops,
    achieved: Math.round(achieved),
    held: isHeld(rate, successful, failed, achieved),
    sippCpu: Math.round(Math.max(0, ...runs.map((r) => r.cpuPercent))),
    targetCpu: Math.round(targetCpu),
    targetKernelCpu: Math.round(targetKernelCpu),
  };
  if (notes.length > 0) step.note = notes.join('; ');
  return step;
}

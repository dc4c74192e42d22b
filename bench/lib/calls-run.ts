import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { startInviteCapture } from './capture.js';
import { errorFiles, measureRate, type LoadPlan } from './measure.js';
import { summarizeLatency, type LatencySummary } from './latency.js';
import { inviteTimings, readPcapUdp } from './pcap.js';
import { cpuSeconds, startManaged, stopManaged, type Managed } from './proc.js';
import type { RateStep } from './search.js';
import { runSipp, summarizeSippErrors } from './sipp.js';
import { REGISTER_SIPP_ARGS } from './targets.js';
import { sippUsersCsv, type BenchUser } from './users.js';

/** The answering side: one SIPp UAS on 127.0.0.1:port, where the callees registered. */
export interface Callee {
  scenario: string;
  port: number;
  workDir: string;
}

/**
 * Registers every callee from the callee port (register-auth.xml, -m N), so
 * the target relays calls to that port. Throws unless all registered.
 */
export async function registerCallees(o: { scenario: string; callee: Callee; target: string; users: BenchUser[]; domain: string; tag: string }): Promise<void> {
  const csv = join(o.callee.workDir, `callees-${o.tag}.csv`);
  await writeFile(csv, sippUsersCsv(o.users, o.domain));
  const rate = Math.min(200, o.users.length);
  const durationSec = Math.ceil(o.users.length / rate) + 1;
  const run = await runSipp({
    scenario: o.scenario,
    usersCsv: csv,
    target: o.target,
    localPort: o.callee.port,
    rate,
    calls: o.users.length,
    limit: 200,
    durationSec,
    workDir: o.callee.workDir,
    tag: `register-${o.tag}`,
    extraArgs: REGISTER_SIPP_ARGS,
  });
  const ok = run.stats?.successful ?? 0;
  if (ok !== o.users.length) {
    throw new Error(`only ${ok} of ${o.users.length} callees registered to ${o.target} (sipp exit ${run.exitCode}): ${run.errorTail}`);
  }
}

/** SIPp answering calls until stopped (bounded by -timeout anyway). */
export function startUas(c: Callee, timeoutSec: number, tag: string): Managed {
  const args = [
    '-sf',
    c.scenario,
    '-i',
    '127.0.0.1',
    '-p',
    String(c.port),
    '-timeout',
    String(timeoutSec),
    '-buff_size',
    '1048576',
    '-nostdin',
    '-trace_err',
    '-error_file',
    join(c.workDir, `uas-${tag}-errors.log`),
  ];
  return startManaged('sipp-uas', 'sipp', args, { cwd: c.workDir, role: 'sipp' });
}

/**
 * One load step with the callee answering: starts the UAS, offers `rate`
 * calls/s through the target, stops the UAS. SIPp's CPU figure is the busier
 * of the callers and the callee.
 */
export async function measureCalls(plan: LoadPlan, callee: Callee, port: number, rate: number, roots: number[], label: string): Promise<RateStep> {
  const uas = startUas(callee, plan.durationSec + 30, `${label}-${rate}`);
  try {
    const pid = uas.child.pid ?? 0;
    await new Promise((r) => setTimeout(r, 300)); // SIPp binds its socket
    if (uas.child.exitCode !== null) throw new Error(`callee SIPp exited at once:\n${uas.stderr.text()}`);
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const step = await measureRate(plan, port, rate, roots, label);
    const uasCpu = (100 * (cpuSeconds(pid) - cpu0)) / ((performance.now() - t0) / 1000);
    const why = step.failed > 0 ? await failureReasons(plan, label, rate) : '';
    const note = [step.note, why && `why: ${why}`].filter(Boolean).join('; ');
    return { ...step, sippCpu: Math.max(step.sippCpu, Math.round(uasCpu)), ...(note ? { note } : {}) };
  } finally {
    await stopManaged(uas, 2000);
  }
}

/** SIPp's reasons for the step's failed calls, from its -trace_err files. */
async function failureReasons(plan: LoadPlan, label: string, rate: number): Promise<string> {
  if (!plan.traceErrors) return '';
  const texts = await Promise.all(errorFiles(plan, label, rate).map((f) => readFile(f, 'utf8').catch(() => '')));
  return summarizeSippErrors(texts.join('\n'));
}

export interface LatencyResult {
  rate: number;
  step: RateStep;
  summary: LatencySummary;
  notForwarded: number;
  kernelDrops?: number;
}

/**
 * Added latency at `rate`: tcpdump on lo keeps every INVITE to and from the
 * target's port; each call's first INVITE out minus its first INVITE in.
 */
export async function measureLatency(plan: LoadPlan, callee: Callee, port: number, rate: number, roots: number[], label: string): Promise<LatencyResult> {
  const file = join(plan.workDir, `invites-${label}-${rate}.pcap`);
  // Two INVITEs per call, with room for retransmissions.
  const capture = await startInviteCapture({ port, file, maxPackets: rate * plan.durationSec * 4 + 1000 });
  let step: RateStep;
  try {
    step = await measureCalls(plan, callee, port, rate, roots, `${label}-latency`);
  } catch (err) {
    await capture.stop();
    throw err;
  }
  const captured = await capture.stop();
  const timings = inviteTimings(readPcapUdp(captured.data), '127.0.0.1', port);
  return {
    rate,
    step,
    summary: summarizeLatency(timings.calls),
    notForwarded: timings.notForwarded,
    ...(captured.kernelDrops !== undefined ? { kernelDrops: captured.kernelDrops } : {}),
  };
}

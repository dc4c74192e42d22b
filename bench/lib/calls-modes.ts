import { latencyLine, type LatencyAt, type ModeCalls } from './calls-report.js';
import { measureCalls, measureLatency, type Callee } from './calls-run.js';
import { TCPDUMP_BIN } from './capture.js';
import { cpuLine, measureCpu, type LoadPlan } from './measure.js';
import { sleep } from './proc.js';
import { formatStep, STEP_HEADER, warmUp } from './report.js';
import { climb } from './search.js';
import type { TwoSocketMode } from './targets.js';

/** A running system under test: where it listens, and the process trees whose CPU is its own. */
export interface Running {
  port: number;
  serverRoots: number[];
  storeRoots: number[];
}

/** Warm-up rates (calls/s), each for `warmupSec`: the server's code gets compiled before the first step counts. */
export const WARMUP_RATES = [100, 200, 400];

/**
 * bench:calls against one running target, per socket mode: the climb to the
 * highest rate held; then, when `full`, the added latency at each share of
 * that rate (a quarter, a half) and the CPU at the fixed rate.
 */
export async function runModes(o: {
  label: string;
  run: Running;
  plans: Record<TwoSocketMode, LoadPlan>;
  callee: Callee;
  modes: TwoSocketMode[];
  full: boolean;
  ladder: number[];
  refine: number;
  retries: number;
  latencySec: number;
  latencyShares: number[];
  /** Seconds at each WARMUP_RATES rate before the climb (0: none). */
  warmupSec: number;
  cpuRate: number;
  cpuSec: number;
}): Promise<ModeCalls[]> {
  const { run, callee } = o;
  const out: ModeCalls[] = [];
  const all = [...run.serverRoots, ...run.storeRoots];
  if (o.warmupSec > 0) {
    const plan = { ...o.plans[o.modes[0]!], durationSec: o.warmupSec };
    await warmUp(WARMUP_RATES, (rate) => measureCalls(plan, callee, run.port, rate, all, `${o.label.replace(/\W+/g, '-')}-warmup`));
  }
  for (const mode of o.modes) {
    const plan = o.plans[mode];
    const tag = `${o.label.replace(/\W+/g, '-')}-${mode}`;
    console.log(`-- ${mode}-socket callers${mode === 'multi' ? ' (-t un: a socket per call)' : ''}`);
    console.log(STEP_HEADER);
    const result = await climb(
      o.ladder,
      async (rate) => {
        const step = await measureCalls(plan, callee, run.port, rate, all, tag);
        console.log(formatStep(step));
        await sleep(2000); // let the target drain its queues before the next step
        return step;
      },
      { refine: o.refine, grain: 50, retries: o.retries },
    );
    const figures: ModeCalls = { mode, result, latency: [] };
    out.push(figures);
    if (!o.full) continue;
    if (result.best === 0) figures.latencySkipped = 'no rate held';
    else if (!TCPDUMP_BIN) figures.latencySkipped = 'tcpdump not installed';
    else {
      for (const share of o.latencyShares) {
        const rate = Math.max(1, Math.floor(result.best * share));
        const l: LatencyAt = { share, ...(await measureLatency({ ...plan, durationSec: o.latencySec }, callee, run.port, rate, all, `${tag}-${share}`)) };
        console.log(latencyLine(l, o.latencySec));
        figures.latency.push(l);
        await sleep(1000);
      }
    }
    figures.cpu = await measureCpu(o.cpuRate, o.cpuSec, run.storeRoots, () =>
      measureCalls({ ...plan, durationSec: o.cpuSec }, callee, run.port, o.cpuRate, run.serverRoots, `${tag}-cpu`),
    );
    console.log(cpuLine(figures.cpu, ' calls/s'));
  }
  return out;
}

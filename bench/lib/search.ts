/** One measured step: a target rate and what the load generator saw. */
export interface RateStep {
  target: number;
  successful: number;
  failed: number;
  retransmissions: number;
  /** UDP datagrams the kernel dropped for full receive buffers during the step (machine-wide). */
  udpDrops: number;
  /** Successful registrations per second over SIPp's run. */
  achieved: number;
  held: boolean;
  /** Load generator CPU, % of one core (max over SIPp processes). */
  sippCpu: number;
  /** CPU of the system under test, % of one core (all its processes). */
  targetCpu: number;
  /** The part of targetCpu spent in the kernel (system time), % of one core. */
  targetKernelCpu?: number;
  note?: string;
}

/** A rate is held when nothing failed and at least this share of the target got through. */
export const HELD_SHARE = 0.95;

export function isHeld(target: number, successful: number, failed: number, achieved: number): boolean {
  return failed === 0 && successful > 0 && achieved >= HELD_SHARE * target;
}

export interface SearchResult {
  steps: RateStep[];
  /** Highest held target rate, 0 when none was held. */
  best: number;
  /** First target not held, if the climb reached one. */
  firstFailed?: number;
}

/**
 * Climbs the ladder until the first rate not held (after retries), then bisects between the
 * last held and the first failed rate `refine` times (rounded to `grain`).
 * measure() is the only side effect, so the policy is testable alone.
 */
export async function climb(
  ladder: number[],
  measureOnce: (rate: number) => Promise<RateStep>,
  opts: { refine: number; grain: number; retries: number },
): Promise<SearchResult> {
  const steps: RateStep[] = [];
  // A rate not held is measured again up to `retries` times: on a shared
  // machine one noisy step should not end the climb. Every attempt is kept.
  const measure = async (rate: number): Promise<RateStep> => {
    let step = await measureOnce(rate);
    for (let i = 0; i < opts.retries && !step.held; i++) {
      steps.push(step);
      step = await measureOnce(rate);
    }
    return step;
  };
  let best = 0;
  let firstFailed: number | undefined;
  for (const rate of ladder) {
    const step = await measure(rate);
    steps.push(step);
    if (!step.held) {
      firstFailed = rate;
      break;
    }
    best = rate;
  }
  if (firstFailed !== undefined) {
    let lo = best;
    let hi = firstFailed;
    for (let i = 0; i < opts.refine; i++) {
      const mid = Math.round((lo + hi) / 2 / opts.grain) * opts.grain;
      if (mid <= lo || mid >= hi) break;
      const step = await measure(mid);
      steps.push(step);
      if (step.held) {
        lo = mid;
        best = mid;
      } else {
        hi = mid;
      }
    }
  }
  return firstFailed === undefined ? { steps, best } : { steps, best, firstFailed };
}

export const DEFAULT_LADDER = [250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000, 14000, 16000, 20000, 25000];

/** --quick: a coarse climb, for a smoke run. */
export const QUICK_LADDER = [250, 1000, 2000, 4000, 8000, 16000];

/** Parses "500,1000,2000" into a rising list of positive integers. */
export function parseLadder(text: string): number[] {
  const rates = text.split(',').map((s) => Number(s.trim()));
  if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r <= 0)) {
    throw new Error(`--rates must be a comma-separated list of positive integers, got "${text}"`);
  }
  return [...new Set(rates)].sort((a, b) => a - b);
}

/**
 * How many workers a node's UDP traffic is steered among (docs/workers.md,
 * "Gathering when quiet"). Steering by dialog spreads calls over every worker,
 * which a busy node needs; a quiet one pays for it, each worker waking for a
 * few messages that one worker would take in fewer, larger batches. So each
 * worker reports its event-loop utilisation every STEERING_SAMPLE_MS, and the
 * primary gathers the traffic on one worker while the whole node stays below
 * `gatherBelow` for `gatherAfter` samples, and spreads it again as soon as a
 * worker is above `spreadAbove` for `spreadAfter` samples: a fifth of a
 * second, since a gathered worker hit by a sudden rise falls behind fast, yet
 * not at one busy tenth of a second (a collection, a cold first request).
 * The gap between the two limits, and the quiet time, keep it from going back
 * and forth. Pure: the primary feeds it samples and acts on what it returns.
 */
export interface SteeringLimits {
  /** Gather when the workers' utilisations add up to less than this... */
  gatherBelow: number;
  /** ...in this many samples in a row; 0: never gather. */
  gatherAfter: number;
  /** Spread when the busiest worker is above this... */
  spreadAbove: number;
  /** ...in this many samples in a row. */
  spreadAfter: number;
}

/** How often each worker reports its load, and the primary weighs it. */
export const STEERING_SAMPLE_MS = 100;

/** Gather after 10 s below 0.6 in all; spread after two samples in a row above 0.75, a fifth of a second. */
export const DEFAULT_STEERING_LIMITS: SteeringLimits = { gatherBelow: 0.6, gatherAfter: 100, spreadAbove: 0.75, spreadAfter: 2 };

export class SteeringPolicy {
  private among: number;
  private quiet = 0;
  private busy = 0;

  constructor(
    readonly workers: number,
    private readonly limits: SteeringLimits = DEFAULT_STEERING_LIMITS,
  ) {
    this.among = workers;
  }

  /** How many workers the traffic goes to now. */
  get current(): number {
    return this.among;
  }

  /** One sample: the utilisation (0..1) of each worker listening now. Returns the new number when it changes. */
  sample(loads: readonly number[]): number | undefined {
    if (this.workers < 2 || loads.length === 0) return undefined;
    if (this.among > 1) {
      const total = loads.reduce((sum, load) => sum + load, 0);
      this.quiet = total < this.limits.gatherBelow ? this.quiet + 1 : 0;
      if (this.limits.gatherAfter === 0 || this.quiet < this.limits.gatherAfter) return undefined;
      return this.change(1);
    }
    this.busy = Math.max(...loads) > this.limits.spreadAbove ? this.busy + 1 : 0;
    return this.busy < this.limits.spreadAfter ? undefined : this.change(this.workers);
  }

  private change(among: number): number {
    this.among = among;
    this.quiet = 0;
    this.busy = 0;
    return among;
  }
}

/**
 * Which worker attaches a change: the program belongs to the port's group, so
 * any may, and the least busy one does it soonest. A gathered node spreads
 * because the worker holding its traffic is behind; its queue would hold the
 * order back. A worker that has not reported counts as idle.
 */
export function leastBusy<T extends { load?: number | undefined }>(workers: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const worker of workers) if (best === undefined || (worker.load ?? 0) < (best.load ?? 0)) best = worker;
  return best;
}

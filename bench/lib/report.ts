import type { RateStep, SearchResult } from './search.js';

/** SIPp at or above this share of one core at the first rate not held: the figure is SIPp's limit. */
export const SIPP_BOUND_PERCENT = 90;

export function formatStep(s: RateStep): string {
  const cols = [
    String(s.target).padStart(8),
    String(s.achieved).padStart(10),
    String(s.successful).padStart(9),
    String(s.failed).padStart(7),
    String(s.retransmissions).padStart(8),
    String(s.udpDrops).padStart(9),
    `${s.sippCpu}%`.padStart(9),
    `${s.targetCpu}%`.padStart(11),
    s.held ? '  held' : '  NOT held',
  ];
  return cols.join('') + (s.note ? `  (${s.note})` : '');
}

export const STEP_HEADER = '  target/s achieved/s       ok  failed retrans udp drops sipp cpu target cpu';

/**
 * Warm-up steps before a climb, printed and not counted: a node process runs
 * its first few thousand requests before its code is compiled and falls
 * behind meanwhile (and, past overload.maxQueueDelay, sheds), where Kamailio
 * needs no warm-up. Every target gets the same steps.
 */
export async function warmUp(rates: readonly number[], step: (rate: number) => Promise<RateStep>): Promise<void> {
  for (const rate of rates) {
    const s = await step(rate);
    console.log(`warm-up, not counted:${formatStep(s).replace(/ {2}(NOT )?held/, '')}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** A warning when the load generator, not the target, was the limit. */
export function sippBoundWarning(r: SearchResult): string | undefined {
  const failedStep = r.steps.find((s) => !s.held);
  if (!failedStep || failedStep.sippCpu < SIPP_BOUND_PERCENT) return undefined;
  return `SIPp used ${failedStep.sippCpu}% of a core at ${failedStep.target}/s: the load generator may be the limit, so this figure is a floor (try --sipp 2).`;
}

import type { RelayOutcome } from '../proxy/proxy-core.js';

/**
 * Whether a call that failed at one route target moves on to the next one
 * (pure). RFC 3263 §4.3: on a transport error or time-out (nothing came
 * back) or a 503; we take a 408 the same way (the next hop timed out).
 * Never once the call is progressing: after a provisional other than 100
 * the caller has heard the far end ring, and any other final answer (486,
 * 404, 6xx, …) is the callee's own and stands.
 */
export function failoverReason(outcome: RelayOutcome, progressed: boolean): string | undefined {
  if (outcome.kind !== 'failed' || progressed) return undefined;
  if (!outcome.response) return 'no response';
  if (outcome.response.status === 503) return '503';
  if (outcome.response.status === 408) return '408';
  return undefined;
}

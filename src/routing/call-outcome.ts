/**
 * How a call ended, as counted (softswitch_calls_total): the final status
 * sent upstream, folded into a few outcomes an operator watches. A 503 for a
 * store outage is counted as `unavailable` by the wrapper that sends it.
 */
export type CallOutcome = 'answered' | 'busy' | 'no_answer' | 'cancelled' | 'not_found' | 'rejected' | 'failed';

export function callOutcome(status: number): CallOutcome {
  if (status >= 200 && status < 300) return 'answered';
  if (status === 486 || status === 600) return 'busy';
  if (status === 487) return 'cancelled';
  // Nobody answered in time, or the line is not reachable now (RFC 3261 §21.4.9, §21.4.18).
  if (status === 408 || status === 480) return 'no_answer';
  if (status === 404 || status === 484 || status === 604) return 'not_found';
  if (status >= 500 && status < 600) return 'failed';
  return 'rejected';
}

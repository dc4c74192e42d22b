/**
 * Up/down of one monitored target from its OPTIONS results (pure). A target
 * nobody has pinged yet counts as up: monitoring only ever takes away a
 * target that stopped answering. Down after `downAfter` failures in a row,
 * up again after `upAfter` answers in a row.
 */
export type HealthState = 'up' | 'down';

export interface TargetHealth {
  state: HealthState;
  /** Failures in a row (0 after an answer). */
  failures: number;
  /** Answers in a row (0 after a failure). */
  successes: number;
  /** When the state last changed (ms). */
  since: number;
  /** The last ping: when, its final status (none on a timeout or send error), and why it failed. */
  lastAt: number;
  lastStatus?: number;
  lastError?: string;
}

export interface Thresholds {
  downAfter: number;
  upAfter: number;
}

/** One ping's result: the final status, or why none came. */
export type PingResult = { status: number } | { error: string };

/**
 * Whether a ping shows the target alive: any final answer does (a 404 or 405
 * to OPTIONS still proves a SIP stack is there), except 408 and 503, which
 * say it cannot take requests now. No answer within the timeout is a failure.
 */
export function isAlive(result: PingResult): boolean {
  return 'status' in result && result.status >= 200 && result.status !== 408 && result.status !== 503;
}

export function nextHealth(previous: TargetHealth | null, result: PingResult, thresholds: Thresholds, now: number): TargetHealth {
  const prev = previous ?? { state: 'up' as const, failures: 0, successes: 0, since: now, lastAt: now };
  const alive = isAlive(result);
  const failures = alive ? 0 : prev.failures + 1;
  const successes = alive ? prev.successes + 1 : 0;
  let state = prev.state;
  if (state === 'up' && failures >= thresholds.downAfter) state = 'down';
  else if (state === 'down' && successes >= thresholds.upAfter) state = 'up';
  return {
    state,
    failures,
    successes,
    since: state === prev.state ? prev.since : now,
    lastAt: now,
    ...('status' in result ? { lastStatus: result.status } : {}),
    ...('error' in result ? { lastError: result.error } : 'status' in result && !alive ? { lastError: `answered ${result.status}` } : {}),
  };
}

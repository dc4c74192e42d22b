import type { ReadinessReport } from '../health/readiness.js';

/**
 * The primary's pure decisions: how long to wait before restarting a worker
 * that died, and whether the node is ready given what its workers report.
 */

export interface RestartPolicy {
  /** The first restart waits this long (ms); each further crash within `windowMs` doubles it. */
  baseMs: number;
  maxMs: number;
  windowMs: number;
}

export const DEFAULT_RESTART: RestartPolicy = { baseMs: 500, maxMs: 30_000, windowMs: 60_000 };

/**
 * The wait before restarting a worker slot, given when it died before (ms
 * timestamps, this death included): a worker that keeps crashing (bad config
 * surfacing at run time, Redis refusing it) is restarted ever more slowly,
 * instead of in a tight loop that fills the log.
 */
export function restartDelayMs(deaths: readonly number[], now: number, policy: RestartPolicy = DEFAULT_RESTART): number {
  const recent = deaths.filter((t) => now - t < policy.windowMs).length;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, recent - 1));
}

export interface NodeReadiness {
  ready: boolean;
  checks: ReadinessReport['checks'] & { workers: string };
}

/**
 * The node is ready when every worker slot has a live worker and each
 * reports ready; one unready, missing or silent worker makes the node unready
 * (a load balancer then moves new traffic to other nodes).
 */
export function nodeReadiness(expected: number, reports: ReadonlyArray<ReadinessReport | undefined>, draining: boolean): NodeReadiness {
  const answered = reports.filter((r): r is ReadinessReport => r !== undefined);
  const readyCount = answered.filter((r) => r.ready).length;
  const redis = answered.length > 0 && answered.every((r) => r.checks.redis === 'ok');
  const sip = answered.length === expected && answered.every((r) => r.checks.sip === 'ok');
  const anyDraining = draining || answered.some((r) => r.checks.draining);
  return {
    ready: !anyDraining && answered.length === expected && readyCount === expected,
    checks: { redis: redis ? 'ok' : 'not answering', sip: sip ? 'ok' : 'not bound', draining: anyDraining, workers: `${readyCount}/${expected} ready` },
  };
}

/**
 * The added-latency figures of one capture: percentiles, the maximum, and the
 * pauses (stretches of time during which forwarded INVITEs waited longer than
 * a threshold). Pure: timings in, figures out.
 */
import { percentile } from './pcap.js';

/** A forwarded INVITE delayed more than this counts towards a pause (the goal: none). */
export const PAUSE_THRESHOLD_MS = 50;

export interface LatencySummary {
  calls: number;
  p50Ms?: number;
  p99Ms?: number;
  p999Ms?: number;
  maxMs?: number;
  /** INVITEs that waited longer than the threshold. */
  overThreshold: number;
  /** Pauses: overlapping waits over the threshold merged into one stretch each. */
  pauses: number;
  /** The longest such stretch, ms (0 when there was none). */
  longestPauseMs: number;
}

/**
 * Each INVITE delayed over `thresholdMs` spans [in, out]; overlapping spans
 * are one pause (a stalled event loop delays every INVITE that arrives while
 * it stalls, and those spans overlap).
 */
export function pauses(calls: ReadonlyArray<{ inMs: number; outMs: number }>, thresholdMs = PAUSE_THRESHOLD_MS): { count: number; longestMs: number } {
  const slow = calls.filter((c) => c.outMs - c.inMs > thresholdMs).sort((a, b) => a.inMs - b.inMs);
  let count = 0;
  let longestMs = 0;
  let start = 0;
  let end = -Infinity;
  for (const c of slow) {
    if (c.inMs > end) {
      count++;
      start = c.inMs;
      end = c.outMs;
    } else {
      end = Math.max(end, c.outMs);
    }
    longestMs = Math.max(longestMs, end - start);
  }
  return { count, longestMs: round3(longestMs) };
}

export function summarizeLatency(calls: ReadonlyArray<{ inMs: number; outMs: number }>, thresholdMs = PAUSE_THRESHOLD_MS): LatencySummary {
  const ms = calls.map((c) => c.outMs - c.inMs);
  const found = pauses(calls, thresholdMs);
  const out: LatencySummary = {
    calls: ms.length,
    overThreshold: ms.filter((x) => x > thresholdMs).length,
    pauses: found.count,
    longestPauseMs: found.longestMs,
  };
  if (ms.length > 0) {
    out.p50Ms = round3(percentile(ms, 50)!);
    out.p99Ms = round3(percentile(ms, 99)!);
    out.p999Ms = round3(percentile(ms, 99.9)!);
    out.maxMs = round3(ms.reduce((a, b) => Math.max(a, b), -Infinity));
  }
  return out;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

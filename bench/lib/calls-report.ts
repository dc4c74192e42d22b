import type { LatencyResult } from './calls-run.js';
import { ratio, sippBoundWarning } from './report.js';
import type { SearchResult } from './search.js';

/** What one target of the calls bench gave. */
export interface TargetResult {
  name: string;
  detail: string;
  result?: SearchResult;
  latency?: LatencyResult;
  latencySkipped?: string;
  skipped?: string;
}

/** The target's last log lines, when it logged anything (warnings and errors by default): evidence for a failed step. */
export function printTail(name: string, text: string, lines = 10): void {
  const tail = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-lines);
  if (tail.length > 0) console.log(`${name} log, last ${tail.length} lines:\n  ${tail.map((l) => l.slice(0, 400)).join('\n  ')}`);
}

export function fmtMs(x: number | undefined): string {
  return x === undefined ? 'n/a' : `${x.toFixed(3)} ms`;
}

/** The closing table: held rate, latency at half of it, the ratio. Returns the ratio ("X.XX") if both ran. */
export function printCallsResult(results: TargetResult[], topRate: number): string | undefined {
  console.log('\n== Result: highest call rate held (calls/s), and added latency at half that rate');
  console.log(`  ${'target'.padEnd(11)} ${'calls/s'.padStart(7)} ${'at/s'.padStart(6)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}`);
  for (const r of results) {
    if (!r.result) {
      console.log(`  ${r.name.padEnd(11)} skipped (${r.skipped})`);
      continue;
    }
    const l = r.latency;
    console.log(
      `  ${r.name.padEnd(11)} ${String(r.result.best).padStart(7)} ${String(l?.rate ?? '-').padStart(6)} ${fmtMs(l?.p50Ms).padStart(10)} ${fmtMs(l?.p99Ms).padStart(10)}   ${r.detail}`,
    );
    if (r.latencySkipped) console.log(`    latency not measured: ${r.latencySkipped}`);
    const warn = sippBoundWarning(r.result);
    if (warn) console.log(`    warning: ${warn}`);
    if (r.result.firstFailed === undefined) console.log(`    note: every rate up to ${topRate}/s was held; extend --rates`);
  }
  const kam = results.find((r) => r.name === 'kamailio');
  const sw = results.find((r) => r.name === 'softswitch');
  const x = kam?.result && sw?.result ? ratio(sw.result.best, kam.result.best) : undefined;
  console.log(`ratio (softswitch / kamailio, calls/s): ${x ?? 'n/a'}`);
  const kl = kam?.latency;
  const sl = sw?.latency;
  if (kl?.p50Ms !== undefined && sl?.p50Ms !== undefined && kl.p99Ms !== undefined && sl.p99Ms !== undefined) {
    console.log(
      `latency (softswitch / kamailio): p50 ${(sl.p50Ms / kl.p50Ms).toFixed(1)}x, p99 ${(sl.p99Ms / kl.p99Ms).toFixed(1)}x (each at half its own held rate)`,
    );
  }

  return x;
}

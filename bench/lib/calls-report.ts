import type { LatencyResult } from './calls-run.js';
import { PAUSE_THRESHOLD_MS } from './latency.js';
import { CPU_CELL_LEGEND, cpuCell, type CpuFigure } from './measure.js';
import { sippBoundWarning } from './report.js';
import type { SearchResult } from './search.js';
import { fmtPercent, fmtRatio, formatTable, ratios, type HeldFigure, type RatioFigure } from './summary.js';
import type { SocketMode, TargetName } from './targets.js';

/** Added latency at one share of the held rate (a quarter, a half). */
export interface LatencyAt extends LatencyResult {
  share: number;
}

/** What one target gave in one socket mode. */
export interface ModeCalls {
  mode: SocketMode;
  result: SearchResult;
  latency: LatencyAt[];
  latencySkipped?: string;
  cpu?: CpuFigure;
}

/** What one target of the calls bench gave. */
export interface TargetResult {
  name: TargetName | 'sw no-cdr';
  detail: string;
  modes: ModeCalls[];
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
  return x === undefined ? 'n/a' : `${x.toFixed(2)} ms`;
}

/** "quarter", "half", or the share as a fraction. */
export function shareName(share: number): string {
  return share === 0.25 ? 'quarter' : share === 0.5 ? 'half' : String(share);
}

/** One line per latency run, as it finishes. */
export function latencyLine(l: LatencyAt, seconds: number): string {
  const s = l.summary;
  return (
    `latency at ${l.rate}/s (${shareName(l.share)} of held) for ${seconds} s: ${s.calls} calls, INVITE in -> out p50 ${fmtMs(s.p50Ms)}, p99 ${fmtMs(s.p99Ms)}, ` +
    `p99.9 ${fmtMs(s.p999Ms)}, max ${fmtMs(s.maxMs)}; ${s.overThreshold} INVITEs over ${PAUSE_THRESHOLD_MS} ms in ${s.pauses} pause(s)` +
    `${l.step.held ? '' : ' (that step was NOT held)'}${l.kernelDrops ? `, capture dropped ${l.kernelDrops}` : ''}`
  );
}

/** The closing tables: held rates and CPU, latency, the ratios. Returns the figures for the JSON line. */
export function printCallsResult(
  results: TargetResult[],
  modes: SocketMode[],
  cpuRate: number,
  topRate: number,
): { held: HeldFigure[]; ratios: RatioFigure[] } {
  console.log('\n== Result: highest call rate held (calls/s), and CPU % of one core at a fixed rate');
  const by = (r: TargetResult, m: SocketMode): ModeCalls | undefined => r.modes.find((x) => x.mode === m);
  const header = ['target', ...modes.map((m) => `${m}-socket/s`), ...modes.map((m) => `cpu@${cpuRate} ${m}`), 'its redis'];
  const rows = results.map((r) => [
    r.name,
    ...modes.map((m) => (r.skipped ? 'skipped' : String(by(r, m)?.result.best ?? '-'))),
    ...modes.map((m) => cpuCell(by(r, m)?.cpu)),
    fmtPercent(r.modes.find((m) => m.cpu)?.cpu?.storePercent),
  ]);
  console.log(formatTable(header, rows));
  console.log(CPU_CELL_LEGEND);
  if (results.some((r) => r.modes.some((m) => m.cpu && !m.cpu.held))) console.log('  (* the CPU step did not hold its rate)');

  console.log(
    `\n== Added latency, INVITE in -> INVITE out (tcpdump on lo), at a quarter and half of each held rate; pause = INVITEs delayed > ${PAUSE_THRESHOLD_MS} ms`,
  );
  const lrows: string[][] = [];
  for (const r of results) {
    for (const m of r.modes) {
      for (const l of m.latency) {
        const s = l.summary;
        lrows.push([
          r.name,
          m.mode,
          shareName(l.share),
          String(l.rate),
          fmtMs(s.p50Ms),
          fmtMs(s.p99Ms),
          fmtMs(s.p999Ms),
          fmtMs(s.maxMs),
          String(s.overThreshold),
          String(s.pauses),
          l.step.held ? 'held' : 'NOT held',
        ]);
      }
    }
  }
  console.log(formatTable(['target', 'mode', 'load', 'at/s', 'p50', 'p99', 'p99.9', 'max', `>${PAUSE_THRESHOLD_MS}ms`, 'pauses', 'step'], lrows));

  for (const r of results) {
    console.log(`  ${r.name}: ${r.skipped ? `skipped (${r.skipped})` : r.detail}`);
    for (const m of r.modes) {
      if (m.latencySkipped) console.log(`    latency not measured (${m.mode}): ${m.latencySkipped}`);
      const warn = sippBoundWarning(m.result);
      if (warn) console.log(`    warning (${m.mode}): ${warn}`);
      if (m.result.firstFailed === undefined) console.log(`    note (${m.mode}): every rate up to ${topRate}/s was held; extend --rates`);
    }
  }
  const held: HeldFigure[] = results.flatMap((r) =>
    r.name === 'sw no-cdr' ? [] : r.modes.map((m) => ({ target: r.name as TargetName, mode: m.mode, best: m.result.best })),
  );
  const found = ratios(held);
  for (const x of found) console.log(`ratio softswitch / ${x.reference}, ${x.mode}-socket (calls/s): ${fmtRatio(x.ratio)}`);
  return { held, ratios: found };
}

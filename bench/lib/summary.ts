/**
 * The closing figures of a bench: a plain table for people, one JSON line for
 * machines, and the softswitch's ratio against each reference. Pure.
 */
import type { SocketMode, TargetName } from './targets.js';

/** The highest rate one target held in one socket mode. */
export interface HeldFigure {
  target: TargetName;
  mode: SocketMode;
  best: number;
}

export interface RatioFigure {
  mode: SocketMode;
  reference: Exclude<TargetName, 'softswitch'>;
  /** softswitch / reference, 2 decimals; null when either side held no rate or did not run. */
  ratio: number | null;
}

/** softswitch / reference per socket mode, for each reference that ran in that mode. */
export function ratios(held: HeldFigure[]): RatioFigure[] {
  const out: RatioFigure[] = [];
  const modes = [...new Set(held.map((h) => h.mode))];
  for (const mode of modes) {
    const sw = held.find((h) => h.target === 'softswitch' && h.mode === mode);
    for (const reference of ['kamailio', 'kamailio-redis'] as const) {
      const ref = held.find((h) => h.target === reference && h.mode === mode);
      if (!ref && !sw) continue;
      const ratio = sw && ref && ref.best > 0 ? Math.round((sw.best / ref.best) * 100) / 100 : null;
      out.push({ mode, reference, ratio });
    }
  }
  return out;
}

/** Left-aligned first column, the others right-aligned, two spaces apart. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].map((l) => `  ${l}`).join('\n');
}

/** The line a script greps for: a fixed prefix, then the report as JSON on one line. */
export const JSON_LINE_PREFIX = 'BENCH_JSON ';

export function jsonLine(report: unknown): string {
  return JSON_LINE_PREFIX + JSON.stringify(report);
}

/** "1.23" or "n/a". */
export function fmtRatio(r: number | null | undefined): string {
  return r === null || r === undefined ? 'n/a' : r.toFixed(2);
}

/** A CPU figure: "48%" or "-". */
export function fmtPercent(x: number | undefined): string {
  return x === undefined ? '-' : `${Math.round(x)}%`;
}

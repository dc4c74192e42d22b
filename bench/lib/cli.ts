import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Option parsing and clean-up shared by the benchmark entry points. */

export function intOpt(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}..${max}, got ${value}`);
  return n;
}

/** Writes a bench's full report to bench/out/<bench>-<time>.json; returns the file. */
export async function writeReport(root: string, bench: string, startedAt: Date, report: unknown): Promise<string> {
  const outDir = join(root, 'bench', 'out');
  await mkdir(outDir, { recursive: true });
  const file = join(outDir, `${bench}-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}

/**
 * Everything a benchmark started, stopped in reverse order at the end, on an
 * error, or on Ctrl-C, so no server is left behind.
 */
export function cleanupStack(): { push(stop: () => Promise<void>): void; pop(): void; run(): Promise<void> } {
  const stops: Array<() => Promise<void>> = [];
  const run = async (): Promise<void> => {
    while (stops.length > 0)
      await stops
        .pop()?.()
        .catch(() => undefined);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      console.error(`\n${sig}: stopping`);
      void run().finally(() => process.exit(130));
    });
  }
  return { push: (stop) => void stops.push(stop), pop: () => void stops.pop(), run };
}

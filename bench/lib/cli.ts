/** Option parsing and clean-up shared by the benchmark entry points. */

export function intOpt(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}..${max}, got ${value}`);
  return n;
}

export function onlyOpt(value: string | undefined): 'kamailio' | 'softswitch' | undefined {
  if (value !== undefined && value !== 'kamailio' && value !== 'softswitch') throw new Error('--only must be kamailio or softswitch');
  return value;
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

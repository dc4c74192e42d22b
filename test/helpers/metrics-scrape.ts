import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';

/**
 * A node's /metrics, parsed by a Prometheus text-format parser (never grepped).
 * That parser folds a histogram's labelled series into one (it keeps the last
 * label set's buckets, and drops `_count` and `_sum`), so histograms are also
 * parsed with their TYPE line left out: then `NAME_count{...}`, `NAME_sum{...}`
 * and `NAME_bucket{...}` are series of their own, labels and all.
 */
export class Scrape {
  constructor(
    readonly families: PrometheusFamily[],
    private readonly series: PrometheusFamily[],
  ) {}

  static parse(text: string): Scrape {
    const untypedHistograms = text
      .split('\n')
      .filter((line) => !/^# TYPE \S+ histogram$/.test(line))
      .join('\n');
    return new Scrape(parsePrometheusTextFormat(text), parsePrometheusTextFormat(untypedHistograms));
  }

  /** A family as typed by its TYPE line (its name without _count/_sum/_bucket for a histogram). */
  family(name: string): PrometheusFamily | undefined {
    return this.families.find((f) => f.name === name);
  }

  /** The sample of `name` whose labels include `labels`, as a number; 0 when the series is absent (a counter not yet incremented). */
  value(name: string, labels: Record<string, string> = {}): number {
    const sample = this.samples(name).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
    if (!sample) return 0;
    return sample.value === undefined ? 0 : Number(sample.value);
  }

  /** Sum over every series of `name` (e.g. all outcomes; `X_count` for a histogram's observations). */
  total(name: string): number {
    return this.samples(name).reduce((sum, m) => sum + Number(m.value ?? 0), 0);
  }

  /** The samples of `name`: a typed family's, or (histogram parts) every untyped run of that name, in order. */
  private samples(name: string): PrometheusFamily['metrics'] {
    const family = this.family(name);
    if (family) return family.metrics;
    return this.series.filter((f) => f.name === name).flatMap((f) => f.metrics);
  }
}

export async function scrapeMetrics(port: number): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return Scrape.parse(await res.text());
}

/** GET a health path: its status and JSON body. */
export async function probe(port: number, path: '/healthz' | '/readyz'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

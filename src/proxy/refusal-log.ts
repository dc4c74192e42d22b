import type { Log } from '../log.js';

/** What one refusal names: where it came from and why. */
export interface Refusal {
  address: string;
  port: number;
  reason: string;
  [field: string]: unknown;
}

const DEFAULT_INTERVAL_MS = 10_000;
/** Sources logged one by one per interval; past that, refusals only count towards the summary. */
const SOURCES_PER_INTERVAL = 20;

/**
 * Logs refusals that anyone can provoke at will (forged in-dialog requests,
 * stray responses) without letting them flood the log: the first refusal
 * from each source in an interval is logged as `event`, the others are
 * counted, and at the end of an interval that had any, one
 * `security.refusals_summary` line gives the count.
 */
export class RefusalLog {
  private readonly seen = new Set<string>();
  private suppressed = 0;
  private total = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Log,
    private readonly event: string,
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
  ) {}

  /** Every refusal counted since start. */
  get count(): number {
    return this.total;
  }

  record(refusal: Refusal): void {
    this.total++;
    const source = `${refusal.address}:${refusal.port}`;
    if (!this.seen.has(source) && this.seen.size < SOURCES_PER_INTERVAL) {
      this.seen.add(source);
      this.log.warn({ event: this.event, ...refusal, total: this.total }, refusal.reason);
    } else {
      this.suppressed++;
    }
    this.timer ??= setTimeout(() => this.summarise(), this.intervalMs).unref();
  }

  private summarise(): void {
    this.timer = undefined;
    if (this.suppressed > 0) {
      this.log.warn(
        { event: 'security.refusals_summary', of: this.event, suppressed: this.suppressed, sources: this.seen.size, total: this.total },
        `${this.suppressed} more ${this.event}`,
      );
    }
    this.seen.clear();
    this.suppressed = 0;
  }
}

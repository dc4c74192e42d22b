import type { Log } from './log.js';

/**
 * Repeated log events from one source, summarised: the first is logged in
 * full, the repeats are counted and logged as one `log.suppressed` line per
 * interval while they last, so a flood of bad packets or guessed passwords
 * leaves a readable log and nothing is dropped silently.
 *
 * `RepeatCounter` is the pure bookkeeping (clock passed in); `LogSummariser`
 * puts it in front of a pino logger with a timer.
 */

export type SummaryLevel = 'info' | 'warn' | 'error';

/** One summarised event as the caller logs it: an event name and the source address it is counted by. */
export interface Occurrence {
  level: SummaryLevel;
  event: string;
  address: string;
  /** Fields that tell repeats apart (e.g. the SIP-ID and reason of a failed login), part of the key and of the summary. */
  distinct: Record<string, string>;
}

/** What a `log.suppressed` line says: `count` more `of` events from `address` in the last `seconds`. */
export interface Summary {
  level: SummaryLevel;
  of: string;
  /** `*`: new sources past the per-interval limit, counted together. */
  address: string;
  distinct: Record<string, string>;
  count: number;
  seconds: number;
}

export interface RepeatCounterOptions {
  /** Length of a counting window, ms. */
  intervalMs: number;
  /** Keys tracked at most; past it the least recently seen is forgotten (its count summarised first). */
  maxKeys: number;
  /** New sources per event logged in full per interval; past it they are only counted under address `*`. */
  maxNewPerInterval: number;
}

export const DEFAULT_SUMMARY_OPTIONS: RepeatCounterOptions = { intervalMs: 10_000, maxKeys: 10_000, maxNewPerInterval: 100 };

/** Address of the catch-all key for new sources past the limit. */
export const MANY_SOURCES = '*';

interface Entry {
  occurrence: Occurrence;
  windowStart: number;
  count: number;
}

export class RepeatCounter {
  private readonly options: RepeatCounterOptions;
  /** In least-recently-seen order (a hit moves a key to the end). */
  private readonly entries = new Map<string, Entry>();
  /** Per event: how many new sources were logged in full in the current window. */
  private readonly fresh = new Map<string, { windowStart: number; count: number }>();

  constructor(options: Partial<RepeatCounterOptions> = {}) {
    this.options = { ...DEFAULT_SUMMARY_OPTIONS, ...options };
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Records one occurrence. `log` says whether to log it in full; `evicted`
   * are summaries of keys forgotten to make room, to be logged now.
   */
  record(occurrence: Occurrence, now: number): { log: boolean; evicted: Summary[] } {
    const key = keyOf(occurrence);
    const known = this.entries.get(key);
    if (known && known.count === 0 && now - known.windowStart >= this.options.intervalMs) {
      // Quiet for a whole window: this is a new episode, logged in full.
      known.windowStart = now;
      this.touch(key, known);
      return { log: true, evicted: [] };
    }
    if (known) {
      known.count++;
      this.touch(key, known);
      return { log: false, evicted: [] };
    }
    if (this.takeFresh(occurrence.event, now)) {
      const evicted = this.add(key, { occurrence, windowStart: now, count: 0 }, now);
      return { log: true, evicted };
    }
    // Too many new sources this interval: count them together.
    const many: Occurrence = { ...occurrence, address: MANY_SOURCES, distinct: {} };
    const manyKey = keyOf(many);
    const entry = this.entries.get(manyKey);
    if (entry) {
      entry.count++;
      this.touch(manyKey, entry);
      return { log: false, evicted: [] };
    }
    return { log: false, evicted: this.add(manyKey, { occurrence: many, windowStart: now, count: 1 }, now) };
  }

  /** Summaries of every window that is over; a key quiet for a whole window is forgotten. */
  due(now: number): Summary[] {
    const out: Summary[] = [];
    for (const [key, entry] of this.entries) {
      if (now - entry.windowStart < this.options.intervalMs) continue;
      if (entry.count === 0) {
        this.entries.delete(key);
        continue;
      }
      out.push(this.summary(entry, now));
      entry.windowStart = now;
      entry.count = 0;
    }
    for (const [event, window] of this.fresh) {
      if (now - window.windowStart >= this.options.intervalMs) this.fresh.delete(event);
    }
    return out;
  }

  /** Every pending count, whatever its window (on shutdown); forgets everything. */
  drain(now: number): Summary[] {
    const out = [...this.entries.values()].filter((e) => e.count > 0).map((e) => this.summary(e, now));
    this.entries.clear();
    this.fresh.clear();
    return out;
  }

  private takeFresh(event: string, now: number): boolean {
    let window = this.fresh.get(event);
    if (!window || now - window.windowStart >= this.options.intervalMs) {
      window = { windowStart: now, count: 0 };
      this.fresh.set(event, window);
    }
    if (window.count >= this.options.maxNewPerInterval) return false;
    window.count++;
    return true;
  }

  private add(key: string, entry: Entry, now: number): Summary[] {
    const evicted: Summary[] = [];
    while (this.entries.size >= this.options.maxKeys) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      if (oldest.count > 0) evicted.push(this.summary(oldest, now));
    }
    this.entries.set(key, entry);
    return evicted;
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  private summary(entry: Entry, now: number): Summary {
    const { level, event, address, distinct } = entry.occurrence;
    return { level, of: event, address, distinct, count: entry.count, seconds: Math.max(1, Math.round((now - entry.windowStart) / 1000)) };
  }
}

function keyOf(o: Occurrence): string {
  return [o.event, o.address, ...Object.entries(o.distinct).map(([k, v]) => `${k}=${v}`)].join('\u0000');
}

/** The fields a summarised log call takes: at least the event and the source address. */
export type SummarisedFields = { event: string; address: string } & Record<string, unknown>;

export interface LogSummariserOptions extends Partial<RepeatCounterOptions> {
  now?: () => number;
}

/**
 * A pino logger's front for events an attacker can repeat at will. Use it
 * like the logger: `summary.warn({ event, address, ... }, msg, ['sipId'])`;
 * the last argument names fields whose values tell repeats apart.
 */
export class LogSummariser {
  private readonly counter: RepeatCounter;
  private readonly now: () => number;
  private readonly tickMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Log,
    options: LogSummariserOptions = {},
  ) {
    const { now, ...counter } = options;
    this.counter = new RepeatCounter(counter);
    this.now = now ?? Date.now;
    this.tickMs = Math.min(1000, counter.intervalMs ?? DEFAULT_SUMMARY_OPTIONS.intervalMs);
  }

  warn(fields: SummarisedFields, msg: string, distinct: readonly string[] = []): void {
    this.write('warn', fields, msg, distinct);
  }

  info(fields: SummarisedFields, msg: string, distinct: readonly string[] = []): void {
    this.write('info', fields, msg, distinct);
  }

  /** Logs the summaries that are due (the timer calls this). */
  flush(): void {
    this.emit(this.counter.due(this.now()));
    if (this.counter.size === 0) this.stopTimer();
  }

  /** Logs every pending count and stops the timer. */
  close(): void {
    this.stopTimer();
    this.emit(this.counter.drain(this.now()));
  }

  private write(level: SummaryLevel, fields: SummarisedFields, msg: string, distinctNames: readonly string[]): void {
    const distinct: Record<string, string> = {};
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- distinct fields are scalars (status, code, method)
    for (const name of distinctNames) if (fields[name] !== undefined) distinct[name] = String(fields[name]);
    const { log, evicted } = this.counter.record({ level, event: fields.event, address: fields.address, distinct }, this.now());
    if (log) this.log[level](fields, msg);
    this.emit(evicted);
    if (this.counter.size > 0) this.startTimer();
  }

  private emit(summaries: Summary[]): void {
    for (const s of summaries) {
      this.log[s.level](
        { ...s.distinct, event: 'log.suppressed', of: s.of, address: s.address, count: s.count, intervalSeconds: s.seconds },
        `${s.count} more ${s.of} from ${s.address} in ${s.seconds} s`,
      );
    }
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.tickMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

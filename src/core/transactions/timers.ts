import { systemClock, type Clock, type TimerHandle } from './clock.js';

/** RFC 3261 §17 timer values (ms). */
export const T1 = 500;
export const T2 = 4_000;
export const T4 = 5_000;
/** Timer J / Timer H / Timer F: 64*T1. */
export const TIMER_64T1 = 64 * T1;
/**
 * Timer D (INVITE client, Completed, UDP): how long copies of a failure are
 * absorbed. RFC 3261 §17.1.1.2 asks for at least 32 s; this node has always
 * used 16 s (a late copy after that is a stray response, dropped).
 */
export const TIMER_D = 16_000;

/**
 * Runs callbacks after a delay with one interval timer for all of them. Used for
 * the many same-length waits (Timer J, Timer I) where one setTimeout per
 * transaction would cost more than the transaction itself. The interval runs
 * only while something waits, so an idle node is not woken for nothing.
 */
export class ExpiryQueue {
  private readonly items: Array<{ at: number; run: () => void }> = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly resolutionMs = 200,
  ) {}

  /** Delays must be the same (or growing) for entries to run in order; callers use one queue per delay. */
  add(delayMs: number, run: () => void): void {
    this.items.push({ at: this.clock.now() + delayMs, run });
    this.timer ??= this.clock.setInterval(() => this.tick(), this.resolutionMs);
  }

  tick(): void {
    const now = this.clock.now();
    while (this.head < this.items.length && this.items[this.head]!.at <= now) {
      const item = this.items[this.head]!;
      this.head++;
      item.run();
    }
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
      this.stop();
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items.splice(0, this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}

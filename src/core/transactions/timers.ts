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

/** Runs a wait on the transaction layer's shared queues: `tx.waitOver()` after `delayMs`. */
export type Later<T extends Waiting> = (delayMs: number, tx: T) => void;

/** Something waiting on an ExpiryQueue: told once, when its wait is over. */
export interface Waiting {
  waitOver(): void;
}

/**
 * Ends waits of one length with one interval timer for all of them. Used for
 * the many same-length waits (Timers D, I, J, K, L, M) where one setTimeout
 * per transaction would cost more than the transaction itself. The interval
 * runs only while something waits, so an idle node is not woken for nothing.
 * An entry is its deadline and the waiting object itself, in two arrays: no
 * closure or entry object per wait (tens of thousands wait 32 s under load).
 */
export class ExpiryQueue {
  private readonly deadlines: number[] = [];
  /** A slot is cleared once its wait is over, so what waited is not held until the arrays are cut. */
  private readonly waiting: Array<Waiting | undefined> = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly resolutionMs = 200,
  ) {}

  /** Delays must be the same (or growing) for entries to end in order; callers use one queue per delay. */
  add(delayMs: number, waiting: Waiting): void {
    this.deadlines.push(this.clock.now() + delayMs);
    this.waiting.push(waiting);
    this.timer ??= this.clock.setInterval(() => this.tick(), this.resolutionMs);
  }

  tick(): void {
    const now = this.clock.now();
    while (this.head < this.deadlines.length && this.deadlines[this.head]! <= now) {
      const waiting = this.waiting[this.head];
      this.waiting[this.head] = undefined;
      this.head++;
      waiting?.waitOver();
    }
    if (this.head === this.deadlines.length) {
      this.deadlines.length = 0;
      this.waiting.length = 0;
      this.head = 0;
      this.stop();
    } else if (this.head > 1024 && this.head * 2 > this.deadlines.length) {
      this.deadlines.splice(0, this.head);
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.deadlines.length - this.head;
  }

  stop(): void {
    this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}

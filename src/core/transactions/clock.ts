/**
 * Time as the transaction layer and the proxy see it. Production uses the
 * system clock (`systemClock`); tests pass a fake one and advance it, so each
 * RFC 3261 §17 timer can be fired on demand.
 */
export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  /** A repeating timer that does not keep the process alive. */
  setInterval(run: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** Opaque to callers: a Node timer in production, a number in the fake clock. */
export type TimerHandle = object | number;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => {
    if (handle !== undefined) clearTimeout(handle as NodeJS.Timeout);
  },
  setInterval: (run, ms) => setInterval(run, ms).unref(),
  clearInterval: (handle) => {
    if (handle !== undefined) clearInterval(handle as NodeJS.Timeout);
  },
};

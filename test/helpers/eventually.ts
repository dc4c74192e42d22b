import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Calls `check` every `everyMs` until it returns a truthy value or
 * `timeoutMs` has passed, and returns its last value: a test waits for what
 * it expects, bounded, instead of sleeping a fixed time a loaded machine may
 * overrun.
 */
export async function eventually<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, everyMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value || Date.now() >= deadline) return value;
    await sleep(everyMs);
  }
}

import type { Binding } from './binding.js';

/** How one write changed a line's registration: its first live binding, its last one removed, or ones that had run out. */
export type LineStateChange = 'registered' | 'removed' | 'expired';

/**
 * The registration changes a write from `before` to `after` made, in order
 * (pure). Bindings that had run out before the sweep removed them mean the
 * line was unregistered in between: that is reported as 'expired' first.
 */
export function lineStateChanges(before: readonly Binding[], after: readonly Binding[], now: number): LineStateChange[] {
  const wasLive = before.some((b) => b.expiresAt > now);
  const isLive = after.some((b) => b.expiresAt > now);
  const ranOut = !wasLive && before.length > 0;
  if (isLive && !wasLive) return ranOut ? ['expired', 'registered'] : ['registered'];
  if (!isLive && wasLive) return ['removed'];
  return ranOut && !isLive ? ['expired'] : [];
}

/**
 * Whether an answered call is still alive, decided without I/O (the timers
 * and requests are CallLiveness's). Two ways to know:
 * - a session timer (RFC 4028) was negotiated: each refresh (a 2xx to a
 *   re-INVITE or UPDATE) restarts it, and with none the session is over a
 *   margin before it expires (§10: min(32 s, a third of the interval));
 * - none was: every probe interval both ends get an in-dialog OPTIONS, and
 *   an end that leaves that many probes in a row unanswered (or answers
 *   481: it has no such dialog) is gone.
 * Either way no call lasts longer than the maximum duration.
 */
export interface LivenessSettings {
  /** ms between probes of a call without a session timer; 0: no probes. */
  probeIntervalMs: number;
  /** Probes in a row one end leaves unanswered before the call is ended. */
  probeFailures: number;
  /** The longest call, ms. */
  maxDurationMs: number;
}

export type CallEnd = 'caller' | 'callee';

interface ProbedEnd {
  /** Probes in a row unanswered. */
  failures: number;
  /** The last probe is still waiting for an answer. */
  outstanding: boolean;
}

export type Liveness =
  | { mode: 'timer'; answeredAt: number; intervalMs: number; expiresAt: number }
  | { mode: 'probe'; answeredAt: number; nextProbeAt: number; ends: Record<CallEnd, ProbedEnd> };

/** What to do now: nothing until `until`, probe both ends, or end the call. */
export type LivenessStep = { kind: 'wait'; until: number } | { kind: 'probe' } | { kind: 'end'; reason: string };

export const SESSION_EXPIRED = 'session expired';
export const MAXIMUM_CALL_TIME = 'maximum call time';

/** RFC 4028 §10: the session ends this long before it expires. */
export function expiryMargin(intervalMs: number): number {
  return Math.min(32_000, intervalMs / 3);
}

/** The call was answered; `sessionSeconds` is the interval its 2xx set, if any. */
export function answered(now: number, sessionSeconds: number | undefined, settings: LivenessSettings): Liveness {
  return watch(now, now, sessionSeconds, settings);
}

/** A 2xx to a re-INVITE or UPDATE: the session timer restarts (or stops, when the answer has none). */
export function refreshed(state: Liveness, now: number, sessionSeconds: number | undefined, settings: LivenessSettings): Liveness {
  if (state.mode === 'probe' && sessionSeconds === undefined) return state;
  return watch(state.answeredAt, now, sessionSeconds, settings);
}

function watch(answeredAt: number, now: number, sessionSeconds: number | undefined, settings: LivenessSettings): Liveness {
  if (sessionSeconds !== undefined && sessionSeconds > 0) {
    const intervalMs = sessionSeconds * 1000;
    return { mode: 'timer', answeredAt, intervalMs, expiresAt: now + intervalMs };
  }
  const fresh = (): ProbedEnd => ({ failures: 0, outstanding: false });
  return { mode: 'probe', answeredAt, nextProbeAt: now + settings.probeIntervalMs, ends: { caller: fresh(), callee: fresh() } };
}

/** What is due at `now`, and the state after it (a probe counts the last one's silence). */
export function step(state: Liveness, now: number, settings: LivenessSettings): { state: Liveness; step: LivenessStep } {
  const maxEnd = state.answeredAt + settings.maxDurationMs;
  if (now >= maxEnd) return { state, step: { kind: 'end', reason: MAXIMUM_CALL_TIME } };
  if (state.mode === 'timer') {
    const over = state.expiresAt - expiryMargin(state.intervalMs);
    return { state, step: now >= over ? { kind: 'end', reason: SESSION_EXPIRED } : { kind: 'wait', until: Math.min(over, maxEnd) } };
  }
  if (settings.probeIntervalMs <= 0) return { state, step: { kind: 'wait', until: maxEnd } };
  if (now < state.nextProbeAt) return { state, step: { kind: 'wait', until: Math.min(state.nextProbeAt, maxEnd) } };
  const counted = (end: ProbedEnd): ProbedEnd => ({ failures: end.outstanding ? end.failures + 1 : end.failures, outstanding: true });
  const ends = { caller: counted(state.ends.caller), callee: counted(state.ends.callee) };
  const next: Liveness = { ...state, nextProbeAt: now + settings.probeIntervalMs, ends };
  const gone = (['caller', 'callee'] as const).find((end) => ends[end].failures >= settings.probeFailures);
  if (gone) return { state: next, step: { kind: 'end', reason: `peer gone: the ${gone} did not answer OPTIONS` } };
  return { state: next, step: { kind: 'probe' } };
}

/**
 * One end's final answer to a probe. 481: it knows no such dialog, the call
 * is over. 408 (from a proxy on the way): as good as no answer. Anything
 * else (200, 405, even 500 for our CSeq) shows the end is there.
 */
export function probeAnswered(state: Liveness, end: CallEnd, status: number): { state: Liveness; end?: string } {
  if (state.mode !== 'probe') return { state };
  if (status === 481) return { state, end: `peer gone: the ${end} answered 481 to OPTIONS` };
  if (status === 408) return { state };
  return { state: { ...state, ends: { ...state.ends, [end]: { failures: 0, outstanding: false } } } };
}

import t from 'tap';
import {
  answered,
  expiryMargin,
  MAXIMUM_CALL_TIME,
  probeAnswered,
  refreshed,
  SESSION_EXPIRED,
  step,
  type Liveness,
  type LivenessSettings,
} from '../../../src/routing/session-liveness.js';

/** The liveness decisions alone (no timers, no I/O): session timer expiry, probes, the maximum duration. */
const S: LivenessSettings = { probeIntervalMs: 60_000, probeFailures: 2, maxDurationMs: 3_600_000 };

t.test('RFC 4028 §10 margin: a third of the interval, at most 32 s', async (t) => {
  t.equal(expiryMargin(90_000), 30_000);
  t.equal(expiryMargin(1_800_000), 32_000);
  t.equal(expiryMargin(4_000), 4_000 / 3);
});

t.test('a session timer: waits until the expiry less the margin, then ends "session expired"', async (t) => {
  const state = answered(1_000, 90, S);
  t.equal(state.mode, 'timer');
  t.same(step(state, 1_000, S).step, { kind: 'wait', until: 61_000 }, 'wakes at 90 s less 30 s');
  t.same(step(state, 60_999, S).step, { kind: 'wait', until: 61_000 }, 'not a moment before');
  t.same(step(state, 61_000, S).step, { kind: 'end', reason: SESSION_EXPIRED });
});

t.test('a refresh restarts the timer from its own time, with the interval it sets', async (t) => {
  const first = answered(0, 90, S);
  const later = refreshed(first, 50_000, 120, S);
  t.same(step(later, 61_000, S).step, { kind: 'wait', until: 50_000 + 120_000 - 32_000 }, 'no longer ends at the first expiry');
  t.same(step(later, 138_000, S).step, { kind: 'end', reason: SESSION_EXPIRED });
});

t.test('a refresh answered without Session-Expires turns the timer off: probes from then on', async (t) => {
  const off = refreshed(answered(0, 90, S), 30_000, undefined, S);
  t.equal(off.mode, 'probe');
  t.same(step(off, 30_000, S).step, { kind: 'wait', until: 90_000 });
  t.same(step(off, 90_000, S).step, { kind: 'probe' });
});

t.test('no session timer: a probe every interval; two unanswered in a row from one end end the call', async (t) => {
  let state: Liveness = answered(0, undefined, S);
  t.same(step(state, 0, S).step, { kind: 'wait', until: 60_000 });
  let next = step(state, 60_000, S);
  t.same(next.step, { kind: 'probe' }, 'first probe');
  state = probeAnswered(next.state, 'caller', 200).state; // the callee stays silent
  next = step(state, 120_000, S);
  t.same(next.step, { kind: 'probe' }, 'one failure of the callee: probe again');
  state = probeAnswered(next.state, 'caller', 200).state;
  next = step(state, 180_000, S);
  t.same(next.step, { kind: 'end', reason: 'peer gone: the callee did not answer OPTIONS' });
});

t.test('an answer clears the count; any answer but 408 and 481 shows the end is there', async (t) => {
  let state: Liveness = answered(0, undefined, S);
  let next = step(state, 60_000, S);
  next = step(next.state, 120_000, S); // one failure each
  state = probeAnswered(next.state, 'caller', 500).state; // 500 for our CSeq: still there
  state = probeAnswered(state, 'callee', 405).state;
  next = step(state, 180_000, S);
  t.same(next.step, { kind: 'probe' }, 'counts cleared by the answers');
  state = probeAnswered(next.state, 'caller', 408).state; // a proxy's 408: no better than silence
  state = probeAnswered(state, 'callee', 200).state;
  t.same(step(state, 240_000, S).step, { kind: 'probe' }, 'one failure of the caller');
  t.same(step(step(state, 240_000, S).state, 300_000, S).step, { kind: 'end', reason: 'peer gone: the caller did not answer OPTIONS' });
});

t.test('481 to a probe: the end has no such dialog, the call is over at once', async (t) => {
  const next = step(answered(0, undefined, S), 60_000, S);
  t.same(probeAnswered(next.state, 'callee', 481).end, 'peer gone: the callee answered 481 to OPTIONS');
  t.equal(probeAnswered(next.state, 'callee', 200).end, undefined);
  t.equal(probeAnswered(answered(0, 90, S), 'callee', 481).end, undefined, 'no probes of a timed session');
});

t.test('the maximum duration ends any call; without probes it is the only bound', async (t) => {
  const noProbes = { ...S, probeIntervalMs: 0 };
  const state = answered(0, undefined, noProbes);
  t.same(step(state, 10, noProbes).step, { kind: 'wait', until: 3_600_000 });
  t.same(step(state, 3_600_000, noProbes).step, { kind: 'end', reason: MAXIMUM_CALL_TIME });
  const long = answered(0, 86_400, S);
  t.same(step(long, 0, S).step, { kind: 'wait', until: 3_600_000 }, 'a long session timer still wakes at the maximum');
  t.same(step(long, 3_600_000, S).step, { kind: 'end', reason: MAXIMUM_CALL_TIME });
});

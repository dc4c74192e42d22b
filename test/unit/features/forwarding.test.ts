import t from 'tap';
import {
  bulkOverride,
  diversionReason,
  effectivePattern,
  forwardTarget,
  localClock,
  ringTimeout,
  scheduleMatches,
  type ForwardingContext,
} from '../../../src/features/forwarding.js';
import type { BulkGroup, ForwardingPattern, ScheduleEntry } from '../../../src/features/settings.js';
import { call, forwardingFeatures } from './call.js';

const TZ = 'Asia/Tokyo';
const FRI_1000 = new Date('2026-11-20T01:00:00Z'); // Friday 10:00 JST
const FRI_2330 = new Date('2026-11-20T14:30:00Z'); // Friday 23:30 JST
const SAT_0559 = new Date('2026-11-20T20:59:00Z'); // Saturday 05:59 JST
const SAT_0600 = new Date('2026-11-20T21:00:00Z'); // Saturday 06:00 JST

const pattern = (p: Partial<ForwardingPattern>): ForwardingPattern => ({
  enabled: true,
  unconditional: false,
  busy: false,
  noAnswer: false,
  unreachable: false,
  ringTime: 15,
  active: 1,
  ...p,
});
const DESTS = ['09011112222', '0612345678', '01012125550100', null, '09055556666'];
const ctx = (patch: Partial<ForwardingContext> = {}): ForwardingContext => ({ now: FRI_1000, timeZone: TZ, bulk: null, ...patch });

t.test('localClock reads the service time zone', async (t) => {
  t.same(localClock(FRI_1000, TZ), { day: 5, minutes: 600 });
  t.same(localClock(FRI_1000, 'UTC'), { day: 5, minutes: 60 });
  t.same(localClock(SAT_0559, TZ), { day: 6, minutes: 359 });
  t.same(localClock(SAT_0559, 'UTC'), { day: 5, minutes: 20 * 60 + 59 });
});

t.test('scheduleMatches: plain, spanning midnight, whole day', async (t) => {
  const office: ScheduleEntry = { days: [1, 2, 3, 4, 5], from: '09:00', to: '18:00', pattern: pattern({}) };
  t.ok(scheduleMatches(office, 5, 9 * 60));
  t.ok(scheduleMatches(office, 5, 18 * 60 - 1));
  t.notOk(scheduleMatches(office, 5, 18 * 60), 'to is exclusive');
  t.notOk(scheduleMatches(office, 6, 10 * 60), 'not on Saturday');
  const night: ScheduleEntry = { days: [5], from: '22:00', to: '06:00', pattern: pattern({}) };
  t.ok(scheduleMatches(night, 5, 23 * 60), 'Friday night');
  t.ok(scheduleMatches(night, 6, 5 * 60 + 59), 'Saturday early morning belongs to Friday');
  t.notOk(scheduleMatches(night, 6, 6 * 60));
  t.notOk(scheduleMatches(night, 5, 5 * 60), 'Friday early morning belongs to Thursday');
  t.ok(scheduleMatches({ days: [0], from: '00:00', to: '00:00', pattern: pattern({}) }, 0, 12 * 60), 'from == to: all day');
  t.notOk(scheduleMatches({ days: [0], from: 'x', to: '00:00', pattern: pattern({}) }, 0, 12 * 60), 'malformed never matches');
  t.ok(scheduleMatches({ days: [6], from: '22:00', to: '06:00', pattern: pattern({}) }, 0, 60), 'Saturday night spans into Sunday');
});

t.test('effectivePattern: the first matching schedule entry replaces the base pattern', async (t) => {
  const afterHours = pattern({ unconditional: true, active: 2 });
  const weekend = pattern({ busy: true, active: 3 });
  const f = forwardingFeatures('0312345678', {
    enabled: false,
    schedule: [
      { days: [5], from: '22:00', to: '06:00', pattern: afterHours },
      { days: [6], from: '00:00', to: '00:00', pattern: weekend },
    ],
  });
  t.equal(effectivePattern(f.forwarding, FRI_1000, TZ).enabled, false, 'office hours: base pattern');
  t.same(effectivePattern(f.forwarding, FRI_2330, TZ), afterHours);
  t.same(effectivePattern(f.forwarding, SAT_0559, TZ), afterHours, 'first match wins');
  t.same(effectivePattern(f.forwarding, SAT_0600, TZ), weekend);
  t.equal(effectivePattern(f.forwarding, FRI_2330, 'UTC').enabled, false, 'the time zone matters: 14:30 UTC');
});

const bulk = (state: BulkGroup['state'], members = ['0312345678']): BulkGroup => ({ id: 'b1', siteId: '1234567', name: 'disaster', state, members });

t.test('bulk forwarding: started members go unconditionally to slot 5', async (t) => {
  const f = forwardingFeatures('0312345678', { destinations: DESTS, busy: true, enabled: true });
  const p = bulkOverride(bulk('started'), f);
  t.match(p, { pattern: { enabled: true, unconditional: true, active: 5 }, destination: '09055556666' });
  t.same(forwardTarget(f, 'unconditional', call(), ctx({ bulk: bulk('started') })), { kind: 'forward', to: '09055556666', reason: 'unconditional' });
  t.same(forwardTarget(f, 'busy', call(), ctx({ bulk: bulk('started') })), { kind: 'none' }, 'own busy forwarding waits until bulk stops');
  for (const state of ['stopped', 'starting', 'stopping'] as const) {
    t.equal(bulkOverride(bulk(state), f), null, state);
    t.same(forwardTarget(f, 'unconditional', call(), ctx({ bulk: bulk(state) })), { kind: 'none' }, `${state}: own settings`);
  }
  t.equal(bulkOverride(bulk('started', ['0399999999']), f), null, 'not a member');
  t.equal(bulkOverride(null, f), null);
});

t.test('bulk forwarding: a member without slot 5 keeps its normal behaviour', async (t) => {
  const f = forwardingFeatures('0312345678', { destinations: ['09011112222', null, null, null, null], enabled: true, busy: true });
  t.equal(bulkOverride(bulk('started'), f), null);
  t.same(forwardTarget(f, 'busy', call(), ctx({ bulk: bulk('started') })), { kind: 'forward', to: '09011112222', reason: 'user-busy' });
});

t.test('bulk forwarding: the slot-5 destination frozen when the group started, not the one set since', async (t) => {
  const f = forwardingFeatures('0312345678', { destinations: [...DESTS.slice(0, 4), '0612349999'], busy: true, enabled: true });
  const started = { bulk: bulk('started') };
  t.same(
    forwardTarget(f, 'unconditional', call(), ctx({ ...started, bulkDestination: '09055556666' })),
    { kind: 'forward', to: '09055556666', reason: 'unconditional' },
    'slot 5 changed to 0612349999 while started: the frozen one still applies',
  );
  t.same(
    forwardTarget(f, 'unconditional', call(), ctx({ ...started, bulkDestination: null })),
    { kind: 'none' },
    'no slot 5 when started: a slot 5 set since does not start forwarding',
  );
  t.same(
    forwardTarget(f, 'busy', call(), ctx({ ...started, bulkDestination: null })),
    { kind: 'forward', to: '09011112222', reason: 'user-busy' },
    'own behaviour',
  );
  t.same(
    forwardTarget(f, 'unconditional', call(), ctx(started)),
    { kind: 'forward', to: '0612349999', reason: 'unconditional' },
    'nothing frozen: slot 5 as it is',
  );
  t.same(forwardTarget(f, 'unconditional', call(), ctx({ bulk: bulk('stopped'), bulkDestination: '09055556666' })), { kind: 'none' }, 'stopped: ignored');
});

t.test('slot 5 outside bulk groups is an ordinary slot', async (t) => {
  const f = forwardingFeatures('0312345678', { destinations: [null, null, null, null, '0612349999'], unconditional: true, enabled: true, active: 5 });
  t.same(forwardTarget(f, 'unconditional', call(), ctx()), { kind: 'forward', to: '0612349999', reason: 'unconditional' });
});

t.test('toll-free destinations only with the toll-free forwarding option; the voice-mail platform', async (t) => {
  const f = (tollFreeForwarding: boolean, to: string) =>
    forwardingFeatures('0312345678', { destinations: [to], unconditional: true, enabled: true }, { tollFreeForwarding });
  t.same(forwardTarget(f(true, '0120123456'), 'unconditional', call(), ctx()), { kind: 'forward', to: '0120123456', reason: 'unconditional' });
  t.same(forwardTarget(f(false, '0120123456'), 'unconditional', call(), ctx()), { kind: 'refused', why: 'not subscribed' }, 'the option given up since');
  t.same(forwardTarget(f(false, '08001234567'), 'unconditional', call(), ctx()), { kind: 'refused', why: 'not subscribed' });
  t.same(forwardTarget(f(false, 'voicemail'), 'unconditional', call(), ctx()), { kind: 'forward', to: 'voicemail', reason: 'unconditional' });
});

t.test('triggers: unconditional alone, or busy / no answer / unreachable', async (t) => {
  const uncond = forwardingFeatures('0312345678', { enabled: true, unconditional: true, busy: true, destinations: DESTS });
  t.same(forwardTarget(uncond, 'unconditional', call(), ctx()), { kind: 'forward', to: '09011112222', reason: 'unconditional' });
  t.same(forwardTarget(uncond, 'busy', call(), ctx()), { kind: 'none' }, 'unconditional excludes the others');

  const combo = forwardingFeatures('0312345678', { enabled: true, busy: true, unreachable: true, active: 2, destinations: DESTS });
  t.same(forwardTarget(combo, 'unconditional', call(), ctx()), { kind: 'none' });
  t.same(forwardTarget(combo, 'busy', call(), ctx()), { kind: 'forward', to: '0612345678', reason: 'user-busy' });
  t.same(forwardTarget(combo, 'unreachable', call(), ctx()), { kind: 'forward', to: '0612345678', reason: 'unavailable' });
  t.same(forwardTarget(combo, 'no-answer', call(), ctx()), { kind: 'none' });

  const noAnswer = forwardingFeatures('0312345678', { enabled: true, noAnswer: true, destinations: DESTS });
  t.same(forwardTarget(noAnswer, 'no-answer', call(), ctx()), { kind: 'forward', to: '09011112222', reason: 'no-answer' });

  const off = forwardingFeatures('0312345678', { enabled: false, unconditional: true, destinations: DESTS });
  t.same(forwardTarget(off, 'unconditional', call(), ctx()), { kind: 'none' }, 'switched off');
});

t.test('diversion reasons', async (t) => {
  t.equal(diversionReason('unconditional'), 'unconditional');
  t.equal(diversionReason('busy'), 'user-busy');
  t.equal(diversionReason('no-answer'), 'no-answer');
  t.equal(diversionReason('unreachable'), 'unavailable');
});

t.test('refusals: empty slot, 5-forward limit, loops, international bar', async (t) => {
  const f = (p: Partial<ForwardingPattern> & { destinations?: Array<string | null> }, bar = false) =>
    forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: DESTS, ...p }, { internationalBar: bar });

  t.same(forwardTarget(f({ active: 4 }), 'unconditional', call(), ctx()), { kind: 'refused', why: 'no destination' });

  const hops = (n: number) => Array.from({ length: n }, (_, i) => ({ from: `031111000${i}`, to: `031111000${i + 1}`, reason: 'unconditional' as const }));
  t.equal(forwardTarget(f({}), 'unconditional', call({ forwards: hops(4) }), ctx()).kind, 'forward', 'the 5th forward is allowed');
  t.same(forwardTarget(f({}), 'unconditional', call({ forwards: hops(5) }), ctx()), { kind: 'refused', why: 'limit' });

  t.same(forwardTarget(f({ destinations: ['0312345678'] }), 'unconditional', call(), ctx()), { kind: 'refused', why: 'loop' }, 'to itself');
  const chain = [{ from: '0399990000', to: '0312345678', reason: 'unconditional' as const }];
  t.same(
    forwardTarget(f({ destinations: ['0399990000'] }), 'unconditional', call({ forwards: chain }), ctx()),
    { kind: 'refused', why: 'loop' },
    'back to the original called number',
  );
  const longer = [
    { from: '0399990000', to: '0388880000', reason: 'user-busy' as const },
    { from: '0388880000', to: '0312345678', reason: 'no-answer' as const },
  ];
  t.same(
    forwardTarget(f({ destinations: ['038888-0000'] }), 'unconditional', call({ forwards: longer }), ctx()),
    { kind: 'refused', why: 'loop' },
    'any hop, any form',
  );
  t.equal(forwardTarget(f({ destinations: ['0377770000'] }), 'unconditional', call({ forwards: longer }), ctx()).kind, 'forward', 'a new number is fine');

  t.same(forwardTarget(f({ active: 3 }, true), 'unconditional', call(), ctx()), { kind: 'refused', why: 'barred' });
  t.same(forwardTarget(f({ active: 3 }, false), 'unconditional', call(), ctx()), { kind: 'forward', to: '01012125550100', reason: 'unconditional' });
  t.equal(forwardTarget(f({ active: 1 }, true), 'unconditional', call(), ctx()).kind, 'forward', 'the bar only stops calls abroad');
});

t.test('ringTimeout', async (t) => {
  const na = (p: Partial<ForwardingPattern>) => forwardingFeatures('0312345678', { enabled: true, noAnswer: true, destinations: DESTS, ...p });
  t.equal(ringTimeout(na({ ringTime: 20 }), ctx()), 20_000);
  t.equal(ringTimeout(na({ ringTime: 2 }), ctx()), 5_000, 'at least 5 s');
  t.equal(ringTimeout(na({ ringTime: 99 }), ctx()), 30_000, 'at most 30 s');
  t.equal(ringTimeout(na({ noAnswer: false, busy: true }), ctx()), undefined, 'no-answer off');
  t.equal(ringTimeout(na({ enabled: false }), ctx()), undefined);
  t.equal(ringTimeout(na({ unconditional: true }), ctx()), undefined, 'unconditional: never rung');
  t.equal(ringTimeout(na({}), ctx({ bulk: bulk('started') })), undefined, 'bulk forwarding overrides');
  t.equal(ringTimeout(na({ active: 4 }), ctx()), 15_000, 'without the call the destination is not checked');
  t.equal(ringTimeout(na({ active: 4 }), ctx(), call()), undefined, 'with the call: a forward that would be refused never cancels the ringing');
  t.equal(ringTimeout(na({}), ctx(), call()), 15_000);
});

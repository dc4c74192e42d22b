// Call-forwarding rules at their edges (docs/product.md §4.4): every weekday of
// the service time zone, schedule times with minutes, `to` exclusive and `from`
// inclusive, `from == to` all day, malformed entries never matching, empty or
// blank destination slots, and the bulk-forwarding pattern.
import t from 'tap';
import { bulkOverride, forwardTarget, localClock, scheduleMatches, type ForwardingContext } from '../../../src/features/forwarding.js';
import type { BulkGroup, ForwardingPattern, ScheduleEntry } from '../../../src/features/settings.js';
import { call, forwardingFeatures } from './call.js';

const TZ = 'Asia/Tokyo';
const ctx = (patch: Partial<ForwardingContext> = {}): ForwardingContext => ({ now: new Date('2026-11-20T01:00:00Z'), timeZone: TZ, bulk: null, ...patch });
const pattern: ForwardingPattern = { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 1 };
const entry = (days: number[], from: string, to: string): ScheduleEntry => ({ days, from, to, pattern });

t.test('localClock: each day of the week in the service time zone', async (t) => {
  // Sunday 2026-11-15 12:34 JST is 03:34 UTC; one day later each time.
  for (let day = 0; day < 7; day++) {
    const now = new Date(Date.parse('2026-11-15T03:34:00Z') + day * 86_400_000);
    t.same(localClock(now, TZ), { day, minutes: 12 * 60 + 34 }, `day ${day}`);
  }
});

t.test('schedule times with minutes: from inclusive, to exclusive', async (t) => {
  const lunch = entry([1], '11:45', '13:15');
  t.notOk(scheduleMatches(lunch, 1, 11 * 60 + 44), '11:44 is before');
  t.ok(scheduleMatches(lunch, 1, 11 * 60 + 45), '11:45 is in');
  t.ok(scheduleMatches(lunch, 1, 13 * 60 + 14));
  t.notOk(scheduleMatches(lunch, 1, 13 * 60 + 15), '13:15 is out');
  t.notOk(scheduleMatches(entry([1, 2, 3, 4, 5], '09:00', '18:00'), 5, 8 * 60 + 59), 'before office hours on an office day');
});

t.test('an entry spanning midnight starts at its from, inclusive', async (t) => {
  const night = entry([5], '22:00', '06:00');
  t.ok(scheduleMatches(night, 5, 22 * 60), 'Friday 22:00');
  t.notOk(scheduleMatches(night, 5, 22 * 60 - 1), 'Friday 21:59');
});

t.test('from == to covers the whole of each listed day, before the from time too', async (t) => {
  const allDay = entry([3], '09:00', '09:00');
  t.ok(scheduleMatches(allDay, 3, 8 * 60), 'Wednesday 08:00');
  t.ok(scheduleMatches(allDay, 3, 23 * 60 + 59));
  t.notOk(scheduleMatches(allDay, 4, 8 * 60), 'not Thursday morning');
});

t.test('an entry with a malformed time never matches, whichever end is malformed', async (t) => {
  t.notOk(scheduleMatches(entry([4, 5], 'x', '06:00'), 5, 60), 'a bad from does not make an overnight entry');
  t.notOk(scheduleMatches(entry([4, 5], '22:00', 'x'), 5, 23 * 60), 'a bad to');
  t.notOk(scheduleMatches(entry([5], '109:00', '18:00'), 5, 10 * 60), 'three-digit hour');
  t.notOk(scheduleMatches(entry([5], '09:00', '18:000'), 5, 10 * 60), 'three-digit minutes');
});

t.test('an empty, blank or missing active slot is no destination: the forward is refused', async (t) => {
  const f = (destinations: Array<string | null>, active: ForwardingPattern['active']) =>
    forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations, active });
  t.same(forwardTarget(f(['0612345678'], 2), 'unconditional', call(), ctx()), { kind: 'refused', why: 'no destination' }, 'slot 2 not stored at all');
  t.same(forwardTarget(f(['  ', '0612345678'], 1), 'unconditional', call(), ctx()), { kind: 'refused', why: 'no destination' }, 'blank');
  t.same(forwardTarget(f(['', '0612345678'], 1), 'unconditional', call(), ctx()), { kind: 'refused', why: 'no destination' }, 'empty');
});

const started: BulkGroup = { id: 'b1', siteId: '1234567', name: 'disaster', state: 'started', members: ['0312345678'] };

t.test('bulk forwarding: unconditional to slot 5 with the number’s ring time, no other trigger', async (t) => {
  const f = forwardingFeatures('0312345678', {
    destinations: [null, null, null, null, '09055556666'],
    ringTime: 25,
    busy: true,
    noAnswer: true,
    unreachable: true,
  });
  t.same(bulkOverride(started, f), {
    pattern: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 25, active: 5 },
    destination: '09055556666',
  });
});

t.test('bulk forwarding: a frozen slot 5 that is empty or blank is none; the member keeps its own behaviour', async (t) => {
  const f = forwardingFeatures('0312345678', { destinations: [null, null, null, null, '09055556666'] });
  t.equal(bulkOverride(started, f, ''), null);
  t.equal(bulkOverride(started, f, '   '), null);
});

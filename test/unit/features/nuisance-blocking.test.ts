import t from 'tap';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { call, features } from './call.js';

function stage(fail = false) {
  const counted: Array<[string, Date]> = [];
  const errors: unknown[] = [];
  const s = new NuisanceBlockingStage({
    countRejection: async (n, now) => {
      if (fail) throw new Error('redis down');
      counted.push([n, now]);
    },
    onCountError: (err) => errors.push(err),
  });
  return { s, counted, errors };
}

const called = features('0312345678', { blockedCallers: ['0612345678', '09011112222'] });

t.test('a blocked caller gets 603 Decline and is counted', async (t) => {
  const { s, counted } = stage();
  t.equal(s.name, 'nuisance-blocking');
  const c = call({ calledFeatures: called });
  t.same(await s.run(c), { kind: 'reject', status: 603, reason: 'Decline', announcement: 'nuisance' });
  t.same(counted, [['0312345678', c.now]]);
});

t.test('a withheld caller whose number we know is still matched', async (t) => {
  const { s, counted } = stage();
  const r = await s.run(call({ calledFeatures: called, callerIdentity: 'withheld', callerNumber: '09011112222' }));
  t.equal(r.kind, 'reject');
  t.equal(counted.length, 1);
});

t.test('the announcement URI is offered instead of a bare 603', async (t) => {
  const { s, counted } = stage();
  const f = { ...called, blockAnnouncementUri: 'sip:blocked@ann.example' };
  t.same(await s.run(call({ calledFeatures: f })), {
    kind: 'reject',
    status: 603,
    reason: 'Decline',
    headers: [['Call-Info', '<sip:blocked@ann.example>;purpose=announcement']],
    announcement: 'nuisance',
  });
  t.equal(counted.length, 1);
});

t.test('callers not on the list, calls without a caller number and calls to numbers not ours pass', async (t) => {
  const { s, counted } = stage();
  t.same(await s.run(call({ calledFeatures: called, callerNumber: '0612345679' })), { kind: 'continue' });
  t.same(await s.run(call({ calledFeatures: called, callerNumber: undefined, callerIdentity: 'withheld' })), { kind: 'continue' });
  t.same(await s.run(call({ calledFeatures: undefined, calledIsOurs: false })), { kind: 'continue' }, 'originating only: not this stage');
  t.same(counted, []);
});

t.test('list entries and caller numbers compare in national form', async (t) => {
  const { s } = stage();
  const f = features('0312345678', { blockedCallers: ['06-1234-5678'] });
  t.equal((await s.run(call({ calledFeatures: f, callerNumber: '+81612345678' }))).kind, 'reject');
});

t.test('a failed count still rejects and is reported', async (t) => {
  const { s, errors } = stage(true);
  t.equal((await s.run(call({ calledFeatures: called }))).kind, 'reject');
  t.equal(errors.length, 1);
});

t.test('a payphone asserted by a trusted peer passes even when its number is listed; uncounted', async (t) => {
  const { s, counted } = stage();
  t.same(await s.run(call({ calledFeatures: called, callerIdentity: 'payphone', callerPayphone: true })), { kind: 'continue' });
  t.same(counted, []);
  // The payphone identity alone (a From marker, not asserted) does not let a listed number through.
  t.equal((await s.run(call({ calledFeatures: called, callerIdentity: 'payphone' }))).kind, 'reject');
});

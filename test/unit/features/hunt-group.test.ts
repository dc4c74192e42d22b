import t from 'tap';
import { huntCandidates, HuntGroupStage, huntOrder } from '../../../src/features/stages/hunt-group.js';
import type { HuntGroup } from '../../../src/features/settings.js';
import { call, features } from './call.js';

const group = (mode: HuntGroup['mode']): HuntGroup => ({
  id: 'hg1',
  siteId: '1234567',
  pilot: '0312340000',
  members: ['0312340001', '0312340002', '0312340003'],
  mode,
  presentation: 'own',
});

/** A shared round-robin pointer like the Redis one: returns the start and advances it. */
function stage(g: HuntGroup | null) {
  let pointer = 0;
  const calls: Array<[string, number]> = [];
  const s = new HuntGroupStage({
    groupOf: async (n) => (g !== null && (n === g.pilot || g.members.includes(n)) ? g : null),
    nextStartIndex: async (id, size) => {
      calls.push([id, size]);
      return pointer++ % size;
    },
  });
  return { s, calls };
}

const to = (n: string) => call({ calledNumber: n, calledFeatures: features(n) });

t.test('huntOrder rotates [pilot, ...members]', async (t) => {
  const g = group('round-robin');
  t.same(huntCandidates(g), ['0312340000', '0312340001', '0312340002', '0312340003']);
  t.same(huntOrder(g, 0), ['0312340000', '0312340001', '0312340002', '0312340003']);
  t.same(huntOrder(g, 2), ['0312340002', '0312340003', '0312340000', '0312340001']);
  t.same(huntOrder(g, 5), huntOrder(g, 1), 'taken modulo the size');
  t.same(huntOrder(g, -1), huntOrder(g, 3));
  t.same(huntCandidates({ ...g, members: ['0312340001', '0312340000', '0312340001'] }), ['0312340000', '0312340001'], 'no duplicates');
});

t.test('sequential: always from the pilot, whichever number was called', async (t) => {
  const { s, calls } = stage(group('sequential'));
  t.equal(s.name, 'hunt-group');
  const all = ['0312340000', '0312340001', '0312340002', '0312340003'];
  t.same(await s.run(to('0312340000')), { kind: 'retarget', targets: all, why: 'hunt' });
  t.same(await s.run(to('0312340002')), { kind: 'retarget', targets: all, why: 'hunt' }, 'a call to a member hunts the group');
  t.same(await s.run(to('0312340000')), { kind: 'retarget', targets: all, why: 'hunt' });
  t.same(calls, [], 'no round-robin pointer used');
});

t.test('round robin: each call starts after the one first tried on the previous call', async (t) => {
  const { s, calls } = stage(group('round-robin'));
  const firsts: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await s.run(to('0312340000'));
    if (r.kind === 'retarget') firsts.push(r.targets[0]!);
    t.equal(r.kind === 'retarget' ? r.targets.length : 0, 4);
  }
  t.same(firsts, ['0312340000', '0312340001', '0312340002', '0312340003', '0312340000']);
  t.same(calls[0], ['hg1', 4], 'the dep gets the group id and the candidate-list size');
});

t.test('numbers outside any group, and numbers not ours, continue', async (t) => {
  const { s } = stage(group('sequential'));
  t.same(await s.run(to('0399999999')), { kind: 'continue' });
  t.same(await s.run(call({ calledNumber: '0312340000', calledFeatures: undefined, calledIsOurs: false })), { kind: 'continue' });
  const none = stage(null);
  t.same(await none.s.run(to('0312340000')), { kind: 'continue' });
});

t.test('the group read with the settings is used: no look-up', async (t) => {
  const s = new HuntGroupStage({
    groupOf: async () => {
      throw new Error('looked up');
    },
    nextStartIndex: async () => 0,
  });
  const g = group('sequential');
  t.same(await s.run(call({ calledNumber: g.pilot, calledFeatures: features(g.pilot), calledGroups: { hunt: g, bulk: null } })), {
    kind: 'retarget',
    targets: huntCandidates(g),
    why: 'hunt',
  });
  t.same(await s.run(call({ calledNumber: g.pilot, calledFeatures: features(g.pilot), calledGroups: { hunt: null, bulk: null } })), { kind: 'continue' });
});

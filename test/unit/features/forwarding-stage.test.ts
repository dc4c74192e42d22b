import t from 'tap';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import type { BulkGroup } from '../../../src/features/settings.js';
import { call, forwardingFeatures } from './call.js';

function stage(group: BulkGroup | null = null) {
  const asked: string[] = [];
  const refused: string[] = [];
  const s = new ForwardingStage({
    timeZone: 'Asia/Tokyo',
    bulkGroupOf: async (n) => {
      asked.push(n);
      return group;
    },
    onRefused: (_call, d) => refused.push(d.why),
  });
  return { s, asked, refused };
}

const DESTS = ['09011112222', null, null, null, '09055556666'];

t.test('unconditional forwarding retargets at once', async (t) => {
  const { s, asked } = stage();
  t.equal(s.name, 'forwarding');
  const f = forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'unconditional' });
  t.same(asked, ['0312345678']);
});

t.test('busy / no-answer / unreachable forwarding is left to the router', async (t) => {
  const { s } = stage();
  const f = forwardingFeatures('0312345678', { enabled: true, busy: true, noAnswer: true, unreachable: true, destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'continue' });
});

t.test('bulk forwarding started: slot 5', async (t) => {
  const { s } = stage({ id: 'b', siteId: '1234567', name: 'n', state: 'started', members: ['0312345678'] });
  const f = forwardingFeatures('0312345678', { destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'retarget', targets: ['09055556666'], why: 'forward', diversion: 'unconditional' });
});

t.test('a refused forward continues to the line and is reported', async (t) => {
  const { s, refused } = stage();
  const f = forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: ['0312345678'] });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'continue' });
  t.same(refused, ['loop']);
});

t.test('numbers not ours are not concerned', async (t) => {
  const { s, asked } = stage();
  t.same(await s.run(call({ calledFeatures: undefined, calledIsOurs: false })), { kind: 'continue' });
  t.same(asked, []);
});

t.test('after a failed offer: busy, no-answer and unreachable forward with their diversion reasons', async (t) => {
  const { s } = stage();
  const f = forwardingFeatures('0312345678', { enabled: true, busy: true, noAnswer: true, unreachable: true, destinations: DESTS });
  const c = call({ calledFeatures: f });
  t.same(await s.afterOffer(c, 'busy'), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'user-busy' });
  t.same(await s.afterOffer(c, 'no-answer'), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'no-answer' });
  t.same(await s.afterOffer(c, 'unreachable'), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'unavailable' });
  t.same(await s.afterOffer(c, 'rejected'), { kind: 'continue' }, 'a refusal such as 603 is not forwarded');
});

t.test('after a failed offer: only the triggers that are on; a refused forward names why', async (t) => {
  const { s } = stage();
  const busyOnly = call({ calledFeatures: forwardingFeatures('0312345678', { enabled: true, busy: true, destinations: DESTS }) });
  t.same(await s.afterOffer(busyOnly, 'unreachable'), { kind: 'continue' });
  const toSelf = call({ calledFeatures: forwardingFeatures('0312345678', { enabled: true, busy: true, destinations: ['0312345678'] }) });
  t.same(await s.afterOffer(toSelf, 'busy'), { kind: 'continue', refused: 'loop' });
  t.same(await s.afterOffer(call({ calledFeatures: undefined, calledIsOurs: false }), 'busy'), { kind: 'continue' });
});

t.test('ring time: only while no-answer forwarding would happen, clamped to 5-30 s', async (t) => {
  const { s } = stage();
  const ring = (patch: Parameters<typeof forwardingFeatures>[1]) =>
    s.ringTime(call({ calledFeatures: forwardingFeatures('0312345678', { enabled: true, destinations: DESTS, ...patch }) }));
  t.equal(await ring({ noAnswer: true, ringTime: 20 }), 20_000);
  t.equal(await ring({ noAnswer: true, ringTime: 2 }), 5_000);
  t.equal(await ring({ noAnswer: true, ringTime: 60 }), 30_000);
  t.equal(await ring({ busy: true, ringTime: 20 }), undefined, 'no no-answer forwarding: ring on');
  t.equal(await ring({ noAnswer: true, destinations: ['0312345678'] }), undefined, 'a refused forward never cancels the line');
});

t.test('bulk forwarding started: the slot-5 destination frozen at the start, asked only while started', async (t) => {
  const frozenAsked: Array<[string, string]> = [];
  const make = (state: BulkGroup['state']) =>
    new ForwardingStage({
      timeZone: 'Asia/Tokyo',
      bulkGroupOf: async () => ({ id: 'b', siteId: '1234567', name: 'n', state, members: ['0312345678'] }),
      bulkDestinationOf: async (groupId, number) => {
        frozenAsked.push([groupId, number]);
        return '0612340000';
      },
    });
  const f = forwardingFeatures('0312345678', { destinations: DESTS });
  t.same(await make('started').run(call({ calledFeatures: f })), { kind: 'retarget', targets: ['0612340000'], why: 'forward', diversion: 'unconditional' });
  t.same(frozenAsked, [['b', '0312345678']]);
  t.same(await make('stopped').run(call({ calledFeatures: f })), { kind: 'continue' });
  t.equal(frozenAsked.length, 1, 'not asked for a stopped group');
});

t.test('a plan reads the bulk group once: run and ring time share the look-up', async (t) => {
  const { s, asked } = stage({ id: 'b', siteId: '1234567', name: 'n', state: 'stopped', members: ['0312345678'] });
  const f = forwardingFeatures('0312345678', { enabled: true, noAnswer: true, ringTime: 20, destinations: DESTS });
  const c = call({ calledFeatures: f });
  t.same(await s.run(c), { kind: 'continue' });
  t.equal(await s.ringTime(c), 20_000, 'the ring time comes from the same settings');
  t.same(asked, ['0312345678'], 'one look-up for both');
  await s.afterOffer(c, 'no-answer');
  t.same(asked, ['0312345678', '0312345678'], 'after the offer it is read again (a group may have been started meanwhile)');
});

t.test('groups read with the settings: the plan asks the store nothing; after the offer it reads afresh', async (t) => {
  const started: BulkGroup = { id: 'b', siteId: '1234567', name: 'n', state: 'started', members: ['0312345678'] };
  const { s, asked } = stage(null);
  const f = forwardingFeatures('0312345678', { enabled: true, noAnswer: true, ringTime: 20, destinations: DESTS });
  const c = call({ calledFeatures: f, calledGroups: { hunt: null, bulk: started, bulkDestination: '09077778888' } });
  t.same(await s.run(c), { kind: 'retarget', targets: ['09077778888'], why: 'forward', diversion: 'unconditional' }, "the prefetched group's frozen slot 5");
  const plain = call({ calledFeatures: f, calledGroups: { hunt: null, bulk: null } });
  t.same(await s.run(plain), { kind: 'continue' });
  t.equal(await s.ringTime(plain), 20_000);
  t.same(asked, [], 'no look-up while planning');
  t.same(await s.afterOffer(plain, 'busy'), { kind: 'continue' });
  t.same(asked, ['0312345678'], 'after the offer the bulk group is read again (it may have been started meanwhile)');
});

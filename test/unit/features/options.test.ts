import t from 'tap';
import { effectiveFeatures, newlySubscribed, OPTIONS, subscribedDefaults, subscriptionsOf, type OptionName } from '../../../src/features/options.js';
import { FeaturePipeline } from '../../../src/features/pipeline.js';
import type { BulkGroup, HuntGroup, NumberFeatures } from '../../../src/features/settings.js';
import { AnonymousRejectionStage } from '../../../src/features/stages/anonymous-rejection.js';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import { HuntGroupStage } from '../../../src/features/stages/hunt-group.js';
import { InternationalBarStage } from '../../../src/features/stages/international-bar.js';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { originate } from '../../../src/features/origination.js';
import { SubscribedFeatures } from '../../../src/routing/subscribed-features.js';
import { call, features, forwardingFeatures } from './call.js';

/** Subscribed options (docs/product.md §4.6): what a call sees, what a subscription starts with. */

const N = '0312345678';
const only = (...o: OptionName[]) => subscriptionsOf(o, null);
const none = subscriptionsOf([], null);

/** Every option configured on. */
const everything: NumberFeatures = {
  ...forwardingFeatures(
    N,
    {
      enabled: true,
      unconditional: true,
      destinations: ['09011112222', null, null, null, '09055556666'],
      schedule: [
        {
          days: [5],
          from: '09:00',
          to: '18:00',
          pattern: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 1 },
        },
      ],
    },
    { blockedCallers: ['0612345678'], blockAnnouncementUri: 'sip:ann@127.0.0.1', anonymousRejection: true, internationalBar: true },
  ),
  specificPresentation: { number: '0120123456', enabled: true },
};

t.test('records: the union of the number and its site; neither means every option (legacy)', async (t) => {
  t.same(subscriptionsOf(null, null), { options: new Set(OPTIONS), legacy: true });
  t.same([...subscriptionsOf(['forwarding'], ['hunt-group']).options].sort(), ['forwarding', 'hunt-group']);
  t.same([...subscriptionsOf(null, ['hunt-group']).options], ['hunt-group'], 'a site record alone ends the legacy rule');
  t.same([...subscriptionsOf([], null).options], [], 'an empty record is no option');
  t.equal(subscriptionsOf([], null).legacy, false);
});

t.test('every option unsubscribed: the call sees every option off, the stored settings are untouched', async (t) => {
  const before = JSON.stringify(everything);
  const e = effectiveFeatures(everything, none);
  t.same(e.blockedCallers, []);
  t.equal(e.blockAnnouncementUri, undefined);
  t.equal(e.anonymousRejection, false);
  t.equal(e.internationalBar, false);
  t.equal(e.forwarding.enabled, false);
  t.same(e.forwarding.schedule, []);
  t.same(e.forwarding.destinations[4], '09055556666', 'slot 5 stays for bulk forwarding');
  t.same(e.specificPresentation, { number: '0120123456', enabled: false });
  t.equal(JSON.stringify(everything), before, 'stored settings not changed');
});

t.test('each option alone keeps exactly its own settings', async (t) => {
  t.same(effectiveFeatures(everything, only('nuisance-blocking')).blockedCallers, ['0612345678']);
  t.equal(effectiveFeatures(everything, only('anonymous-rejection')).anonymousRejection, true);
  t.equal(effectiveFeatures(everything, only('international-bar')).internationalBar, true);
  const fw = effectiveFeatures(everything, only('forwarding')).forwarding;
  t.equal(fw.enabled, true);
  t.same(fw.schedule, [], 'forwarding without scheduled-forwarding: no schedule');
  t.same(effectiveFeatures(everything, only('forwarding', 'scheduled-forwarding')).forwarding.schedule, everything.forwarding.schedule);
  t.same(effectiveFeatures(everything, only('scheduled-forwarding')).forwarding.schedule, [], 'a schedule needs forwarding too');
  t.same(effectiveFeatures(everything, only('specific-presentation')).specificPresentation, everything.specificPresentation);
  t.same(effectiveFeatures(everything, subscriptionsOf(null, null)), everything, 'legacy: every option as stored');
});

t.test('the real stages on unsubscribed settings behave as if each option were off', async (t) => {
  const off = effectiveFeatures(everything, none);
  const counted: string[] = [];
  const nuisance = new NuisanceBlockingStage({ countRejection: async (n) => void counted.push(n) });
  t.same(await nuisance.run(call({ calledFeatures: off })), { kind: 'continue' }, 'blocked caller passes');
  t.same(counted, [], 'and is not counted');
  t.same(new AnonymousRejectionStage().run(call({ calledFeatures: off, callerIdentity: 'withheld', callerNumber: undefined })), { kind: 'continue' });
  t.same(
    new AnonymousRejectionStage().run(call({ calledFeatures: everything, callerIdentity: 'withheld', callerNumber: undefined })).kind,
    'reject',
    'control',
  );
  const bar = new InternationalBarStage();
  const abroad = call({ calledFeatures: undefined, calledIsOurs: false, calledNumber: '01014155550100', callerNumber: N });
  t.same(bar.run({ ...abroad, callerFeatures: off }), { kind: 'continue' });
  t.same(bar.run({ ...abroad, callerFeatures: everything }).kind, 'reject', 'control');
  const fwd = new ForwardingStage({ timeZone: 'Asia/Tokyo', bulkGroupOf: async () => null });
  t.same(await fwd.run(call({ calledFeatures: off })), { kind: 'continue' });
  t.same((await fwd.run(call({ calledFeatures: everything }))).kind, 'retarget', 'control');
  const line = {
    sipId: 'l',
    basicNumber: N,
    dialInNumbers: [],
    channels: 2,
    siteId: '1000001',
    voiceGroupId: 'VG',
    auth: 'digest' as const,
    allowedAddresses: [],
  };
  const presented = (f: NumberFeatures) => {
    const o = originate({ dialledUserPart: '0612345678', line, features: f, basicFeatures: f, huntGroup: null });
    return o.ok ? o.presentedNumber : o.status;
  };
  t.equal(presented(off), N, 'specific presentation off: own number');
  t.equal(presented(everything), '0120123456', 'control');
});

t.test('SubscribedFeatures: the one place calls read settings through', async (t) => {
  const group: HuntGroup = { id: 'g', siteId: '1000001', pilot: '0312340001', members: [N], mode: 'sequential', presentation: 'own' };
  const bulk: BulkGroup = { id: 'b', siteId: '1000001', name: 'b', state: 'started', members: [N] };
  const subs = new Map<string, OptionName[]>();
  const sf = new SubscribedFeatures(
    {
      huntGroupOf: async () => group,
      bulkGroupOf: async () => bulk,
      callParties: async (requests) =>
        requests.map(({ number, groups }) =>
          number === N
            ? {
                features: everything,
                groups: {
                  hunt: groups === 'none' ? null : group,
                  bulk: groups === 'both' ? bulk : null,
                  ...(groups === 'both' ? { bulkDestination: '0120999999' } : {}),
                },
              }
            : { features: null, groups: { hunt: null, bulk: null } },
        ),
    },
    { of: async (n) => subscriptionsOf(subs.get(n) ?? [], null) },
  );
  const settingsOf = async (n: string) => (await sf.callParties([{ number: n, groups: 'none' }]))[0]!.features;
  t.equal(await settingsOf('0399999999'), null, 'not ours');
  t.equal((await settingsOf(N))!.anonymousRejection, false, 'nothing subscribed');
  subs.set(N, ['anonymous-rejection', 'bulk-forwarding', 'hunt-group']);
  t.equal((await settingsOf(N))!.anonymousRejection, true);
  t.equal(await sf.huntGroupOf(N), null, "the hunt group follows its pilot's subscription, not the member's");
  subs.set('0312340001', ['hunt-group']);
  t.same(await sf.huntGroupOf(N), group);
  t.same(await sf.bulkGroupOf(N), bulk);
  t.same((await sf.callSettings(N))!.groups, { hunt: group, bulk, bulkDestination: '0120999999' }, 'read together: the same groups');
  t.equal((await sf.callSettings(N))!.features.anonymousRejection, true, 'and the same settings');
  t.equal(await sf.callSettings('0399999999'), null, 'not ours');
  subs.set('0312340001', []);
  t.equal((await sf.callSettings(N))!.groups.hunt, null, "read together: the hunt group follows its pilot's subscription");
  subs.set('0312340001', ['hunt-group']);
  subs.set(N, []);
  t.equal(await sf.bulkGroupOf(N), null, 'bulk forwarding without the option: the member keeps its own behaviour');
  t.same((await sf.callSettings(N))!.groups, { hunt: group, bulk: null }, 'read together: no bulk group, no frozen destination');
  t.equal((await sf.callSettings(N))!.features.anonymousRejection, false, 'read together: unsubscribed settings off');

  subs.set(N, ['anonymous-rejection', 'bulk-forwarding', 'hunt-group']);
  const [calling, notOurs, called] = await sf.callParties([
    { number: N, groups: 'hunt' },
    { number: '0399999999', groups: 'none' },
    { number: N, groups: 'both' },
  ]);
  t.same(calling!.groups, { hunt: group, bulk: null }, 'several numbers read together: each with the groups asked for');
  t.equal(calling!.features!.anonymousRejection, true, 'with its subscribed settings');
  t.same(notOurs, { features: null, groups: { hunt: null, bulk: null } }, 'a number not ours: no settings');
  t.same(called!.groups, { hunt: group, bulk, bulkDestination: '0120999999' });
  subs.set(N, []);
  const [unsubscribed] = await sf.callParties([{ number: N, groups: 'both' }]);
  t.equal(unsubscribed!.features!.anonymousRejection, false, 'read together: unsubscribed settings off');
  t.same(unsubscribed!.groups, { hunt: group, bulk: null }, 'and the bulk group off, the hunt group following its pilot');

  // And through the real pipeline: an unsubscribed pilot hunts no more.
  const pipeline = new FeaturePipeline([new HuntGroupStage({ groupOf: (n) => sf.huntGroupOf(n), nextStartIndex: async () => 0 })]);
  subs.set('0312340001', []);
  t.same(await pipeline.plan(call({ calledNumber: '0312340001', calledFeatures: features('0312340001') })), {
    kind: 'deliver',
    delivery: { kind: 'line', number: '0312340001' },
  });
});

t.test('newly subscribed options start in their default state', async (t) => {
  t.same(newlySubscribed(only('forwarding'), only('forwarding', 'anonymous-rejection')), ['anonymous-rejection']);
  t.same(newlySubscribed(null, only('anonymous-rejection')), ['anonymous-rejection'], 'a new number');
  t.same(newlySubscribed(subscriptionsOf(null, null), only('forwarding')), [], 'legacy numbers had every option: nothing is new');
  t.same(newlySubscribed(only('forwarding'), subscriptionsOf(null, null)), [], 'back to legacy subscribes nothing new');

  const stale: NumberFeatures = { ...everything, anonymousRejection: false };
  const d = subscribedDefaults(stale, ['anonymous-rejection']);
  t.same(d, { anonymousRejection: true }, 'anonymous rejection starts at reject; nothing else touched');
  t.same(subscribedDefaults(stale, ['nuisance-blocking']), { blockedCallers: [], blockAnnouncementUri: undefined });
  t.same(subscribedDefaults(stale, ['international-bar']), { internationalBar: false });
  const fw = subscribedDefaults(stale, ['forwarding']).forwarding!;
  t.same(
    { enabled: fw.enabled, unconditional: fw.unconditional, ringTime: fw.ringTime, active: fw.active },
    { enabled: false, unconditional: false, ringTime: 15, active: 1 },
  );
  t.same(fw.destinations, [null, null, null, null, '09055556666'], 'slots 1-4 cleared; slot 5 is bulk forwarding');
  t.same(fw.schedule, stale.forwarding.schedule, 'the schedule is scheduled-forwarding');
  t.same(subscribedDefaults(stale, ['scheduled-forwarding']).forwarding!.schedule, []);
  t.same(subscribedDefaults(stale, ['specific-presentation']), { specificPresentation: { number: '0120123456', enabled: false } });
  t.same(subscribedDefaults(stale, ['hunt-group', 'bulk-forwarding']), {}, 'group options own no number setting');
});

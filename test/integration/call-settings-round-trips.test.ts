import type { Redis } from 'ioredis';
import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { FeatureStore } from '../../src/store/feature-store.js';
import { keys } from '../../src/store/keys.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis } from '../helpers/redis-server.js';

/**
 * What a call's settings cost in round trips to the store, counted on the
 * client: each command sent alone is one (a script too), each pipeline or
 * transaction one however many commands it holds.
 */
const server = await startTestRedis();
t.teardown(() => server.stop());
const config = loadConfig({ env: { REDIS_URL: server.url } });
config.provisioning.allowLoopbackAddresses = true;
const redis = createRedis(server.url, config.redis.keyPrefix, createLogger('silent'));
t.teardown(() => redis.disconnect());
await waitForRedis(redis);

const PLAIN = '0312340061';
const PILOT = '0312340062';
const MEMBER = '0312340063';
const OTHER = '0312340064';
const line = (sipId: string, basicNumber: string) => ({ sipId, password: `${sipId}-pw-123456`, auth: 'digest', channels: 2, basicNumber });
await applyProvisioning(redis, config, {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Round trips',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [line('plain-rt', PLAIN), line('pilot-rt', PILOT), line('member-rt', MEMBER), line('other-rt', OTHER)],
          huntGroups: [{ id: 'hg', pilot: PILOT, members: [MEMBER], mode: 'sequential', presentation: 'own' }],
          bulkGroups: [
            { id: 'bg', name: 'Closed', members: [MEMBER], state: 'stopped' },
            { id: 'bg-on', name: 'Open', members: [OTHER], state: 'started' },
          ],
        },
      ],
    },
  ],
  features: { [PLAIN]: { forwarding: { enabled: true, unconditional: true, destinations: [PILOT] } } },
});

/** The client with every round trip counted. */
function counted(client: Redis): { client: Redis; trips: () => number } {
  let trips = 0;
  const proxy = new Proxy(client, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      // defineCommand registers a script on the client (sent with its first use): no round trip.
      if (typeof value !== 'function' || prop === 'defineCommand') return value;
      if (prop === 'pipeline' || prop === 'multi') {
        return (...args: unknown[]) => {
          const batch = (value as (...a: unknown[]) => { exec: (...a: unknown[]) => unknown }).apply(target, args);
          const exec = batch.exec.bind(batch);
          batch.exec = (...a: unknown[]) => {
            trips++;
            return exec(...a);
          };
          return batch;
        };
      }
      return (...args: unknown[]) => {
        trips++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { client: proxy, trips: () => trips };
}

t.test('a number in no group: its settings and groups in one round trip', async (t) => {
  const { client, trips } = counted(redis);
  const settings = await new FeatureStore(client).callSettings(PLAIN);
  t.equal(settings?.features.forwarding.unconditional, true, 'its settings');
  t.same(settings?.groups, { hunt: null, bulk: null }, 'no group');
  t.equal(trips(), 1, 'one round trip');
});

t.test('a number not ours: one round trip, null', async (t) => {
  const { client, trips } = counted(redis);
  t.equal(await new FeatureStore(client).callSettings('0312349999'), null);
  t.equal(trips(), 1);
});

t.test('a group member: its settings and both its groups in one round trip', async (t) => {
  const { client, trips } = counted(redis);
  const settings = await new FeatureStore(client).callSettings(MEMBER);
  t.equal(settings?.groups.hunt?.id, 'hg', 'its hunt group');
  t.equal(settings?.groups.bulk?.id, 'bg', 'its bulk group');
  t.notOk(settings && 'bulkDestination' in settings.groups, 'a stopped group has no frozen destination');
  t.equal(trips(), 1, 'one round trip');
});

t.test("a call's numbers, calling and called, with their groups: one round trip", async (t) => {
  // As the start operation freezes it (docs/product.md §4.4).
  await redis.hset(keys.bulkDestinations('bg-on'), OTHER, PLAIN);
  t.teardown(() => redis.del(keys.bulkDestinations('bg-on')));
  const { client, trips } = counted(redis);
  const [calling, basic, called, notOurs] = await new FeatureStore(client).callParties([
    { number: MEMBER, groups: 'hunt' },
    { number: PLAIN, groups: 'none' },
    { number: OTHER, groups: 'both' },
    { number: '0312349999', groups: 'both' },
  ]);
  t.equal(trips(), 1, 'one round trip for four numbers');
  t.equal(calling?.groups.hunt?.pilot, PILOT, "the calling number's hunt group");
  t.equal(calling?.groups.bulk, null, 'its bulk group not asked for, not read');
  t.equal(basic?.features?.forwarding.unconditional, true, "the basic number's settings");
  t.same(basic?.groups, { hunt: null, bulk: null }, 'no group asked for');
  t.equal(called?.groups.bulk?.id, 'bg-on', "the called number's bulk group");
  t.equal(called?.groups.bulkDestination, PLAIN, 'and its frozen slot-5 destination');
  t.equal(called?.groups.hunt, null, 'no hunt group');
  t.same(notOurs, { features: null, groups: { hunt: null, bulk: null } }, 'a number not ours: no settings');
});

t.test('the same as the reads one at a time', async (t) => {
  const store = new FeatureStore(redis);
  for (const number of [PLAIN, PILOT, MEMBER, OTHER]) {
    const [read] = await store.callParties([{ number, groups: 'both' }]);
    t.same(read?.features, await store.get(number), `${number}: settings`);
    t.same(read?.groups.hunt, await store.huntGroupOf(number), `${number}: hunt group`);
    t.same(read?.groups.bulk, await store.bulkGroupOf(number), `${number}: bulk group`);
  }
});

t.test('the reads before: settings, then each group on its own', async (t) => {
  const { client, trips } = counted(redis);
  const store = new FeatureStore(client);
  await store.get(MEMBER);
  await store.huntGroupOf(MEMBER);
  await store.bulkGroupOf(MEMBER);
  t.equal(trips(), 5, 'what one plan cost when each stage read its own (the proxy counts what it should)');
});

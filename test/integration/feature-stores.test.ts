import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { loadConfig, repoRoot } from '../../src/config/load.js';
import { FeatureStore, NUISANCE_TTL_SECONDS, serviceMonths } from '../../src/store/feature-store.js';
import { defaultFeatures } from '../../src/features/settings.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning, loadProvisioningFile } from '../../src/provisioning/apply.js';
import { ChannelStore } from '../../src/store/channel-store.js';
import { ROUTE_FIELDS, RouteStore } from '../../src/store/route-store.js';
import { keys } from '../../src/store/keys.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';

const server = await startTestRedis();
t.teardown(() => server.stop());
// Its IP lines and peers are on 127.0.0.x: a test rig on this machine.
const config = loadConfig({ env: { REDIS_URL: server.url } });
config.provisioning.allowLoopbackAddresses = true;
const log = createLogger('silent');
// Two connections stand for two server nodes.
const a = createRedis(server.url, config.redis.keyPrefix, log);
const b = createRedis(server.url, config.redis.keyPrefix, log);
t.teardown(() => {
  a.disconnect();
  b.disconnect();
});
await Promise.all([waitForRedis(a), waitForRedis(b)]);
await applyProvisioning(a, config, loadProvisioningFile(join(repoRoot(), 'config/example-provisioning.yaml')));

const TZ = 'Asia/Tokyo';

t.test('FeatureStore.get: null when not ours, defaults for unset fields, stored values', async (t) => {
  const features = new FeatureStore(a);
  t.equal(await features.get('0399999999'), null, 'no num: key');
  t.same(await features.get('0312345678'), defaultFeatures('0312345678'));

  await a.hset(keys.features('0312345678'), { anonymousRejection: 'true', presentation: '"withhold"', internationalBar: '{broken' });
  const f = await features.get('0312345678');
  t.equal(f?.anonymousRejection, true);
  t.equal(f?.presentation, 'withhold');
  t.equal(f?.internationalBar, false, 'an unreadable field falls back to its default');

  await a.hset(keys.features('0312345678'), 'forwarding', JSON.stringify({ enabled: true, unconditional: true, destinations: ['0312340101'] }));
  const fw = (await features.get('0312345678'))?.forwarding;
  t.same(fw, { ...defaultFeatures('x').forwarding, enabled: true, unconditional: true, destinations: ['0312340101'] }, 'missing sub-fields defaulted');
  await a.del(keys.features('0312345678'));

  const before = Number(/total_commands_processed:(\d+)/.exec(await b.info('stats'))![1]);
  await features.get('0312345679');
  const after = Number(/total_commands_processed:(\d+)/.exec(await b.info('stats'))![1]);
  t.equal(after - before, 3, 'two commands (pipelined) plus the INFO itself');
});

t.test('round robin advances and is shared by every node', async (t) => {
  const one = new FeatureStore(a);
  const two = new FeatureStore(b);
  const seq = [];
  for (let i = 0; i < 6; i++) seq.push(await (i % 2 === 0 ? one : two).nextRoundRobinStart('rr-test', 3));
  t.same(seq, [0, 1, 2, 0, 1, 2], 'each call starts one further, whichever node takes it');

  // Concurrent calls on both nodes: every start index taken equally often.
  const starts = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? one : two).nextRoundRobinStart('rr-par', 4)));
  const tally = [0, 0, 0, 0];
  for (const s of starts) tally[s]!++;
  t.same(tally, [10, 10, 10, 10]);

  t.equal(await one.nextRoundRobinStart('rr-test', 2), 0, 'a group that shrank keeps counting modulo its new size');
  await t.rejects(one.nextRoundRobinStart('rr-test', 0), RangeError);
});

t.test('hunt and bulk groups of a number', async (t) => {
  const features = new FeatureStore(b);
  t.equal((await features.huntGroupOf('0312340102'))?.pilot, '0312340101');
  t.equal(await features.huntGroupOf('0612345678'), null);
  t.equal((await features.bulkGroupOf('0312345679'))?.state, 'stopped');
  t.equal(await features.bulkGroupOf('0312340101'), null);
});

t.test('nuisance counters per month of the service time zone', async (t) => {
  const features = new FeatureStore(a);
  const n = '0312340101';
  const lateJanUtc = new Date('2026-01-31T14:30:00Z'); // 23:30 JST, January
  const febJst = new Date('2026-01-31T15:30:00Z'); // 00:30 JST on 1 February
  t.same(serviceMonths(febJst, TZ), { thisMonth: '2026-02', lastMonth: '2026-01' });
  t.same(serviceMonths(febJst, 'UTC'), { thisMonth: '2026-01', lastMonth: '2025-12' }, 'the year wraps');

  await features.countNuisanceRejection(n, lateJanUtc, TZ);
  await features.countNuisanceRejection(n, lateJanUtc, TZ);
  for (let i = 0; i < 3; i++) await new FeatureStore(b).countNuisanceRejection(n, febJst, TZ);

  t.same(await features.nuisanceCounts(n, new Date('2026-02-15T03:00:00Z'), TZ), { thisMonth: 3, lastMonth: 2 });
  t.same(await features.nuisanceCounts(n, new Date('2026-03-01T00:00:00+09:00'), TZ), { thisMonth: 0, lastMonth: 3 });
  t.same(await features.nuisanceCounts('0312345678', febJst, TZ), { thisMonth: 0, lastMonth: 0 });
  const ttl = await a.ttl(keys.nuisanceCount(n, '2026-02'));
  t.ok(ttl > NUISANCE_TTL_SECONDS - 10 && ttl <= NUISANCE_TTL_SECONDS, `counter expires after about 70 days (${ttl} s)`);
});

t.test('channels: the limit, release, and re-acquiring a held leg', async (t) => {
  const chans = new ChannelStore(a);
  t.equal(await chans.acquire('line-1', 'leg-a', 2, 60_000), true);
  t.equal(await chans.acquire('line-1', 'leg-b', 2, 60_000), true);
  t.equal(await chans.acquire('line-1', 'leg-c', 2, 60_000), false, 'busy: every channel in use');
  t.equal(await chans.acquire('line-1', 'leg-a', 2, 60_000), true, 'a leg that holds a channel keeps it');
  t.equal(await chans.inUse('line-1'), 2);
  await chans.release('line-1', 'leg-a');
  await chans.release('line-1', 'leg-a');
  t.equal(await chans.inUse('line-1'), 1, 'releasing twice is harmless');
  t.equal(await new ChannelStore(b).acquire('line-1', 'leg-c', 2, 60_000), true, 'the freed channel is usable from another node');
  t.equal(await chans.inUse('line-2'), 0, 'lines are counted apart');
  t.equal(await chans.acquire('line-3', 'leg', 0, 60_000), false, 'a line with no channels is always busy');
  await t.rejects(chans.acquire('line-1', 'leg-d', 2, 0), RangeError);
  await chans.release('line-1', 'leg-b');
  await chans.release('line-1', 'leg-c');
  t.equal(await a.exists(keys.channels('line-1')), 0, 'no key left behind');
});

t.test("channels: a dead node's entries expire by themselves; refresh keeps a live one", async (t) => {
  const dead = new ChannelStore(b);
  const live = new ChannelStore(a);
  // Times with a second or more of slack, so a stalled machine does not decide the outcome.
  t.equal(await dead.acquire('line-x', 'dead-1', 2, 2_000), true);
  t.equal(await live.acquire('line-x', 'live-1', 2, 2_000), true);
  t.equal(await live.acquire('line-x', 'live-2', 2, 60_000), false, 'full');
  await sleep(1_000);
  t.equal(await live.refresh('line-x', 'live-1', 3_000), true, 'refreshed within its TTL');
  await sleep(1_750); // ~2.75 s: dead-1 (2 s) is past its expiry, live-1 (~4 s) is not
  t.equal(await live.inUse('line-x'), 1, 'only the refreshed entry counts');
  t.equal(await live.acquire('line-x', 'live-2', 2, 60_000), true, "the dead node's channel is free again");
  t.equal(await dead.refresh('line-x', 'dead-1', 60_000), false, 'an expired leg has lost its channel');
  t.equal(await live.acquire('line-x', 'dead-1', 2, 60_000), false, 'and is not re-added past the limit');

  t.equal(await dead.acquire('line-y', 'long', 1, 60_000), true);
  const pttl = await a.pttl(keys.channels('line-y'));
  t.ok(pttl > 50_000 && pttl <= 60_000, `the key expires with its last entry (${pttl} ms)`);
  t.equal(await dead.acquire('line-z', 'short', 1, 200), true);
  await eventually(async () => (await a.exists(keys.channels('line-z'))) === 0);
  t.equal(await a.exists(keys.channels('line-z')), 0, 'nothing leaks: the key goes with its last entry');
});

t.test('channels: concurrent acquires on two nodes never exceed the limit', async (t) => {
  const nodes = [new ChannelStore(a), new ChannelStore(b)];
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => nodes[i % 2]!.acquire('line-busy', `leg-${i}`, 7, 60_000)));
  t.equal(results.filter(Boolean).length, 7);
  t.equal(await nodes[0]!.inUse('line-busy'), 7);
  t.equal(await a.zcard(keys.channels('line-busy')), 7);
});

t.test('RouteStore: reads every time without copies; with them, keeps tables and peers until a change is announced', async (t) => {
  const routes = new RouteStore(a);
  t.same(await routes.outboundRoutes(), [{ name: 'carrier-a-out', prefix: '0', target: '127.0.0.1:5070', transport: 'udp' }]);
  t.same(await routes.emergencyRoutes(), [{ name: 'emergency', areaCodes: ['03', '06'], target: '127.0.0.1:5071', transport: 'udp' }]);
  t.equal((await routes.peerByAddress('::ffff:198.51.100.3'))?.name, 'carrier-a', 'any textual form of the address');
  t.equal(await routes.peerByAddress('not an address'), null);
  t.ok(await routes.isRouteTarget('127.0.0.1'), "an outbound route's target is a carrier that trusts us");
  t.ok(await routes.isRouteTarget('::ffff:127.0.0.1'), 'in any textual form');
  t.notOk(await routes.isRouteTarget('127.0.0.2'), 'another address is not');
  t.notOk(await routes.isRouteTarget('not an address'), 'nor a name');

  let now = 0;
  const listeners: Array<() => void> = [];
  const changes = { live: true, onChange: (l: () => void) => listeners.push(l) };
  const announce = () => listeners.forEach((l) => l());
  const copied = new RouteStore(b, { copies: { changes, addresses: 10, ttlMs: 60_000, now: () => now } });
  t.equal((await copied.outboundRoutes()).length, 1);
  t.equal(await copied.peerByAddress('198.51.100.9'), null, 'nobody at this address (yet)');
  const two = JSON.stringify([
    { name: 'x', prefix: '', target: '127.0.0.1:5074', transport: 'udp' },
    { name: 'y', prefix: '090', target: '127.0.0.1:5075', transport: 'tcp' },
  ]);
  await a.hset(keys.routes, ROUTE_FIELDS.outbound, two);
  await a.set(keys.peerAddress('198.51.100.9'), JSON.stringify({ name: 'carrier-b', addresses: ['198.51.100.9'] }));
  t.equal((await routes.outboundRoutes()).length, 2, 'without copies: the next call sees the change');
  t.equal((await copied.outboundRoutes()).length, 1, 'with copies: the tables are kept');
  t.equal(await copied.peerByAddress('198.51.100.9'), null, "and so is an address found to be nobody's");
  announce();
  t.equal((await copied.outboundRoutes()).length, 2, 'an announced change drops the tables');
  t.equal((await copied.peerByAddress('198.51.100.9'))?.name, 'carrier-b', "and the addresses found to be nobody's");
  await a.hset(keys.routes, ROUTE_FIELDS.outbound, JSON.stringify([{ name: 'z', prefix: '', target: '127.0.0.1:5076', transport: 'udp' }]));
  now = 59_999;
  t.equal((await copied.outboundRoutes()).length, 2, 'within the safety net the copy is used');
  now = 60_000;
  t.equal((await copied.outboundRoutes()).length, 1, 'after it the tables are read again even without an announcement');
  changes.live = false;
  await a.del(keys.peerAddress('198.51.100.9'));
  t.equal(await copied.peerByAddress('198.51.100.9'), null, 'no copy is used while changes cannot be heard');
  await a.hset(keys.routes, ROUTE_FIELDS.outbound, two);

  await a.hdel(keys.routes, ROUTE_FIELDS.emergencyByArea);
  t.same(await routes.emergencyRoutes(), []);
  await a.hset(keys.routes, ROUTE_FIELDS.emergency, JSON.stringify({ name: 'old', prefix: '', target: '127.0.0.1:5079', transport: 'udp' }));
  t.same(
    await routes.emergencyRoutes(),
    [{ name: 'old', areaCodes: ['01', '02', '03', '04', '05', '06', '07', '08', '09'], target: '127.0.0.1:5079', transport: 'udp' }],
    'the former single route, stored by an older version, serves every area',
  );
  t.ok(await routes.isRouteTarget('127.0.0.1'));
  await a.hdel(keys.routes, ROUTE_FIELDS.emergency);
  await a.hset(keys.routes, ROUTE_FIELDS.outbound, 'not json');
  t.same(await routes.outboundRoutes(), [], 'an unreadable table is no routes');
});

import { join } from 'node:path';
import t from 'tap';
import { AccountStore } from '../../src/store/account-store.js';
import { HistoryStore } from '../../src/store/history-store.js';
import { RedisNonceCountStore } from '../../src/store/nonce-count-store.js';
import { loadConfig, repoRoot } from '../../src/config/load.js';
import { FeatureStore } from '../../src/store/feature-store.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning, loadProvisioningFile } from '../../src/provisioning/apply.js';
import type { Binding } from '../../src/registrar/binding.js';
import { BindingStore } from '../../src/store/binding-store.js';
import { ChannelStore } from '../../src/store/channel-store.js';
import { RouteStore } from '../../src/store/route-store.js';
import { SecurityStore } from '../../src/store/security-store.js';
import { LineStore } from '../../src/store/line-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedisCluster } from '../helpers/redis-cluster.js';

/**
 * The repositories' multi-key operations against a real three-master Redis
 * Cluster: each script and MULTI keeps its keys in one hash slot, so none of
 * them fails with CROSSSLOT (which the cluster raises for keys in two slots).
 */
const cluster = await startTestRedisCluster();
t.teardown(() => cluster.stop());
const config = loadConfig({ env: { REDIS_URL: cluster.urls[0]! } });
config.redis.cluster = cluster.urls;
config.provisioning.allowLoopbackAddresses = true;
const redis = createRedis(cluster.urls, config.redis.keyPrefix, createLogger('silent'), { commandTimeout: 5000 });
t.teardown(() => redis.disconnect());
await waitForRedis(redis, 15_000);

t.test('the cluster refuses a transaction over two slots (so the checks below mean something)', async (t) => {
  const err = await redis
    .multi()
    .set('a', '1')
    .set('b', '1')
    .exec()
    .then(
      () => null,
      (e: unknown) => e,
    );
  t.match(String(err), /CROSSSLOT|same slot/i, 'keys in two slots are refused');
});

const binding = (key: string, expiresAt: number): Binding => ({
  key,
  uri: `sip:${key}@127.0.0.1:5070`,
  expiresAt,
  callId: `c-${key}`,
  cseq: 1,
  path: [],
  source: { transport: 'UDP', address: '127.0.0.1', port: 5070, node: 'n1' },
  registeredAt: expiresAt - 60_000,
});

t.test('bindings: replace (compare-and-set) and the expiry sweep', async (t) => {
  const store = new BindingStore(redis);
  const now = Date.now();
  const lines = ['alice', 'bob', 'carol'];
  for (const sipId of lines) {
    const read = await store.load(sipId);
    t.ok(await store.replace(sipId, read, [binding(`${sipId}-1`, now + 1_000), binding(`${sipId}-2`, now + 60_000)]), `${sipId} registered`);
  }
  const alice = await store.load('alice');
  t.equal(alice.bindings.length, 2, 'both bindings stored');
  t.notOk(await store.replace('alice', { ...alice, version: '0' }, []), 'a stale version is refused');
  t.ok(await store.replace('alice', alice, [binding('alice-1', now + 1_000), binding('alice-3', now + 60_000)]), 'replaced');
  t.same((await store.load('alice')).bindings.map((b) => b.key).sort(), ['alice-1', 'alice-3']);

  const swept = await store.sweepExpired(now + 2_000);
  t.same(swept.map((s) => `${s.sipId}/${s.binding.key}`).sort(), ['alice/alice-1', 'bob/bob-1', 'carol/carol-1'], 'each due binding reported once');
  t.same(
    swept.filter((s) => s.lastOfLine),
    [],
    'every line keeps a binding: none is unregistered',
  );
  t.same(await store.sweepExpired(now + 2_000), [], 'nothing reported twice');
  t.same(
    (await store.live('bob', now + 2_000)).map((b) => b.key),
    ['bob-2'],
    'the later binding stays',
  );
  const later = await store.sweepExpired(now + 61_000);
  t.equal(later.length, 3, 'the later bindings are swept when their time comes');
  t.same(
    later
      .filter((s) => s.lastOfLine)
      .map((s) => s.sipId)
      .sort(),
    lines,
    "each line's last binding is marked: it is no longer registered",
  );
  t.same((await store.load('bob')).bindings, [], 'the line has no bindings left');
});

t.test('nonce-count advance', async (t) => {
  const store = new RedisNonceCountStore(redis);
  t.ok(await store.advance({ username: 'alice', nonce: 'n1', nc: 1, ttlMs: 10_000 }));
  t.notOk(await store.advance({ username: 'alice', nonce: 'n1', nc: 1, ttlMs: 10_000 }), 'a replay is refused');
  t.ok(await store.advance({ username: 'alice', nonce: 'n1', nc: 2, ttlMs: 10_000 }));
});

t.test('channels: take and give back', async (t) => {
  const store = new ChannelStore(redis);
  t.ok(await store.acquire('alice', 'leg1', 2, 10_000));
  t.ok(await store.acquire('alice', 'leg2', 2, 10_000));
  t.notOk(await store.acquire('alice', 'leg3', 2, 10_000), 'all channels in use');
  t.ok(await store.refresh('alice', 'leg1', 10_000));
  await store.release('alice', 'leg1');
  t.equal(await store.inUse('alice'), 1);
  t.ok(await store.acquire('alice', 'leg3', 2, 10_000), 'a freed channel is taken');
});

t.test('failure counts, bans and binding sources', async (t) => {
  const store = new SecurityStore(redis);
  t.same(await store.countFailure('192.0.2.9', 'alice', 60_000), { source: 1, sipId: 1 });
  t.same(await store.countFailure('192.0.2.9', 'alice', 60_000), { source: 2, sipId: 2 });
  t.same(await store.countFailure('192.0.2.10', 'alice', 60_000), { source: 1, sipId: 3 });
  const now = Date.now();
  for (const address of ['192.0.2.9', '192.0.2.10']) {
    t.ok(await store.ban({ address, reason: 'guessing', count: 2, sipId: 'alice', since: now, until: now + 60_000 }, now));
  }
  t.same((await store.list(now)).map((b) => b.address).sort(), ['192.0.2.10', '192.0.2.9'], 'bans in two slots listed');
  t.ok(await store.unban('192.0.2.9'));
  t.notOk(await store.unban('192.0.2.9'), 'already lifted');
  t.same(await store.countFailure('192.0.2.9', 'alice', 60_000), { source: 1, sipId: 4 }, 'the source count was forgotten');
  await store.recordBindingSource({ transport: 'UDP', address: '192.0.2.9', port: 5060 }, 'alice', now + 60_000, 60_000);
  await store.recordBindingSource({ transport: 'UDP', address: '192.0.2.10', port: 5060 }, 'bob', now + 60_000, 60_000);
  t.equal((await store.bindingSources(['192.0.2.9', '192.0.2.10'])).length, 2);
});

t.test('accounts (create, lock after failures) and history', async (t) => {
  const accounts = new AccountStore(redis, () => Date.now());
  t.ok(await accounts.create({ name: 'ops-1', role: 'operator' }, 'a long enough password'));
  t.notOk(await accounts.create({ name: 'ops-1', role: 'operator' }, 'another password'), 'a taken name');
  for (let i = 0; i < 3; i++) await accounts.login('ops-1', 'wrong');
  t.match(await accounts.login('ops-1', 'a long enough password'), { ok: false, why: 'locked' });
  t.ok(await accounts.setPassword('ops-1', 'a new long password'));
  t.ok(await accounts.remove('ops-1'));

  const history = new HistoryStore(redis, () => Date.now());
  await history.record(
    { name: 'ops-1', role: 'operator' },
    { target: { kind: 'number', id: '0312345678' }, siteId: '1000001', action: 'update', before: 1, after: 2 },
  );
  t.equal((await history.query({ kind: 'number', id: '0312345678' })).length, 1);
  t.equal((await history.query({ siteId: '1000001' })).length, 1);
  await history.purge();
});

t.test('provisioning: one transaction applies a document; the call side reads it', async (t) => {
  const doc = loadProvisioningFile(join(repoRoot(), 'config/example-provisioning.yaml'));
  const result = await applyProvisioning(redis, config, doc);
  t.equal(result.lines.created, 4, 'every line created');
  t.equal((await applyProvisioning(redis, config, doc)).lines.created, 0, 're-applying changes nothing');
  t.equal((await new LineStore(redis).get('pbx-tokyo'))?.channels, 4);
  const features = new FeatureStore(redis);
  t.ok(await features.get('0312345678'), 'features of a provisioned number');
  t.equal((await features.huntGroupOf('0312340102'))?.id, 'reception');
  // The call-settings script reads group keys named by the ids it finds: all {prov}, so one slot.
  const [member, plain] = await features.callParties([
    { number: '0312340102', groups: 'both' },
    { number: '0312345678', groups: 'both' },
  ]);
  t.equal(member?.groups.hunt?.id, 'reception', "a call's settings script: the member's hunt group");
  t.ok(plain?.features, 'and the other number, in the same script');
  await features.countNuisanceRejection('0312345678', new Date(), 'Asia/Tokyo');
  t.equal((await features.nuisanceCounts('0312345678', new Date(), 'Asia/Tokyo')).thisMonth, 1);
  const routes = new RouteStore(redis);
  t.same(
    (await routes.outboundRoutes()).map((r) => r.name),
    ['carrier-a-out'],
  );
  t.equal((await routes.peerByAddress('198.51.100.3'))?.name, 'carrier-a');
});

import t from 'tap';
import { createLogger } from '../../src/log.js';
import { nextHealth, type TargetHealth } from '../../src/monitoring/health.js';
import { keys } from '../../src/store/keys.js';
import { LineStore } from '../../src/store/line-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { TargetHealthStore } from '../../src/store/target-health-store.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';

/** The shared monitoring state on a real redis-server, two connections standing for two nodes. */
const server = await startTestRedis();
t.teardown(() => server.stop());
const log = createLogger('silent');
const a = createRedis(server.url, 'mon:', log);
const b = createRedis(server.url, 'mon:', log);
t.teardown(() => {
  a.disconnect();
  b.disconnect();
});
await Promise.all([waitForRedis(a), waitForRedis(b)]);
const nodeA = new TargetHealthStore(a);
const nodeB = new TargetHealthStore(b);
const ID = 'UDP 192.0.2.7:5060';

t.test('a lease goes to one node per interval, and to either once it ends', async (t) => {
  // An interval of 3 s, so a stalled machine cannot let it end between two calls.
  const [wonA, wonB] = await Promise.all([nodeA.lease(ID, 'a', 3_000), nodeB.lease(ID, 'b', 3_000)]);
  t.equal([wonA, wonB].filter(Boolean).length, 1, 'exactly one node wins');
  t.notOk(await nodeB.lease(ID, 'b', 3_000), 'held for the interval');
  t.ok(await nodeB.lease('UDP 192.0.2.8:5060', 'b', 3_000), 'another target has its own lease');
  t.ok(await eventually(() => nodeB.lease(ID, 'b', 3_000), { everyMs: 250 }), 'free again when it ends');
});

t.test('update is a compare-and-set: a write in between is re-read, never lost', async (t) => {
  const thresholds = { downAfter: 2, upAfter: 1 };
  const reads: Array<TargetHealth | null> = [];
  const result = await nodeA.update(ID, (previous) => {
    reads.push(previous);
    if (reads.length === 1) {
      // Another writer records a failure after our read; on the same connection it lands before our write.
      void a.hset(keys.targetHealth, ID, JSON.stringify(nextHealth(previous, { error: 'timeout' }, thresholds, 1)));
    }
    return nextHealth(previous, { error: 'timeout' }, thresholds, 2);
  });
  t.equal(reads.length, 2, 'the first write was refused and the value read again');
  t.match(reads[1], { failures: 1 }, "the second read sees the other writer's failure");
  const stored = (await nodeB.get([ID])).get(ID);
  t.match(stored, { state: 'down', failures: 2 }, "both failures counted: the other writer's and ours");
  t.same(result, { before: reads[1], after: stored });
});

t.test('get and all read back what was stored; a damaged value counts as never pinged', async (t) => {
  await a.hset(keys.targetHealth, 'UDP 192.0.2.9:5060', '{broken');
  const got = await nodeA.get([ID, 'UDP 192.0.2.9:5060', 'UDP 203.0.113.1:5060']);
  t.equal(got.get(ID)?.state, 'down');
  t.equal(got.get('UDP 192.0.2.9:5060'), null, 'damaged');
  t.equal(got.get('UDP 203.0.113.1:5060'), null, 'never pinged');
  t.same([...(await nodeA.all()).keys()], [ID], 'all() leaves the damaged one out');
});

t.test('prune forgets targets no longer provisioned', async (t) => {
  const health: TargetHealth = { state: 'up', failures: 0, successes: 1, since: 0, lastAt: 0 };
  await a.hset(keys.targetHealth, 'UDP 203.0.113.2:5060', JSON.stringify(health));
  await nodeA.prune(new Set([ID]));
  t.same(await a.hkeys(keys.targetHealth), [ID]);
});

t.test('LineStore.ipAuthenticated lists the IP lines with their addresses, not the digest ones', async (t) => {
  await a.sadd(keys.lineIndex, 'gw1', 'pbx');
  await a.hset(keys.line('gw1'), { sipId: 'gw1', siteId: '1', auth: 'ip', allowedAddresses: JSON.stringify(['192.0.2.20', '192.0.2.21']) });
  await a.hset(keys.line('pbx'), { sipId: 'pbx', siteId: '1', auth: 'digest', allowedAddresses: '[]' });
  t.same(await new LineStore(a).ipAuthenticated(), [{ sipId: 'gw1', allowedAddresses: ['192.0.2.20', '192.0.2.21'] }]);
});

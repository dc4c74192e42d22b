import t from 'tap';
import { createLogger } from '../../src/log.js';
import { CallRecorder } from '../../src/routing/call-recorder.js';
import { CdrStore, type CallRecord, type OpenCallRecord } from '../../src/store/cdr-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { ScopeStore } from '../../src/store/scope-store.js';
import { RedisMonitor } from '../helpers/redis-monitor.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { eventually } from '../helpers/eventually.js';

/**
 * The call-record store on a real redis-server: one record per call however
 * many nodes close it, open records of a node that stopped refreshing them
 * closed as "node lost" by another, per-voice-group streams, trimming by age,
 * and paged reads.
 */
const server = await startTestRedis();
const redis = createRedis(server.url, 'cdr-t:', createLogger('silent'));
t.teardown(async () => {
  redis.disconnect();
  await server.stop();
});
await waitForRedis(redis, 5000);
const DAY = 86_400_000;
const store = new CdrStore(redis, 90 * DAY);

function open(callId: string, extra: Partial<OpenCallRecord> = {}): OpenCallRecord {
  return {
    callId,
    node: 'node-a',
    startedAt: new Date().toISOString(),
    origin: { kind: 'line', name: 'alice' },
    callingNumber: '0312340001',
    presentedNumber: '0312340001',
    presentation: 'presented',
    calledNumber: '0312340002',
    decisions: [],
    forwards: [],
    ...extra,
  };
}

function finished(o: OpenCallRecord, voiceGroups: string[]): CallRecord {
  return {
    ...o,
    endedAt: new Date().toISOString(),
    durationSeconds: 0,
    status: 486,
    outcome: 'busy',
    endedBy: 'callee',
    endReason: '486 Busy Here',
    parties: voiceGroups.map((vg, i) => ({ role: i === 0 ? 'caller' : 'called', number: `031234000${i + 1}`, siteId: `S${vg}`, voiceGroupId: vg })),
  };
}

t.test('an owner close writes the record once, to the all-records stream and each voice group stream', async (t) => {
  const o = open('c1');
  await store.open(o, 60_000);
  const id = await store.close(finished(o, ['VGA', 'VGB']), 'owner');
  t.ok(id, 'written');
  t.equal(await store.close(finished(o, ['VGA', 'VGB']), 'owner'), null, 'a second close of the same call writes nothing');
  const now = Date.now();
  const all = await store.read({ from: now - 60_000, to: now + 1000, limit: 10, maxScan: 100 });
  t.same(
    all.records.map((r) => r.callId),
    ['c1'],
  );
  for (const vg of ['VGA', 'VGB']) {
    const mine = await store.read({ voiceGroupId: vg, from: now - 60_000, to: now + 1000, limit: 10, maxScan: 100 });
    t.same(
      mine.records.map((r) => r.callId),
      ['c1'],
      `in ${vg}'s stream`,
    );
  }
  const other = await store.read({ voiceGroupId: 'VGC', from: now - 60_000, to: now + 1000, limit: 10, maxScan: 100 });
  t.same(other.records, [], "not in an uninvolved voice group's stream");
  t.ok((await redis.pttl('{cdr}:cdr:vg:VGA')) > 0, 'a voice group stream expires when idle');
});

t.test('an open record not refreshed is closed as node lost by exactly one of several nodes', async (t) => {
  const o = open('lost-1', { answeredAt: new Date().toISOString() });
  await store.open(o, 300);
  await new Promise((r) => setTimeout(r, 400));
  const scopes = new ScopeStore(redis);
  const nodes = ['node-b', 'node-c', 'node-d'].map((nodeId) => new CallRecorder(store, scopes, createLogger('silent'), { nodeLostAfterMs: 300, nodeId }));
  t.teardown(() => Promise.all(nodes.map((n) => n.stop())));
  const lostRecords = async (): Promise<CallRecord[]> => {
    const at = Date.now();
    return (await store.read({ from: at - 60_000, to: at + 1000, limit: 100, maxScan: 1000, keep: (r) => r.callId === 'lost-1' })).records;
  };
  // Waits (bounded) for the first sweep to close it, then lets every node sweep a few more times (each every 250 ms).
  await eventually(async () => (await lostRecords()).length > 0);
  await new Promise((r) => setTimeout(r, 800));
  const now = Date.now();
  const records = await lostRecords();
  t.equal(records.length, 1, 'one record, however many nodes swept');
  const r = records[0]!;
  t.equal(r.endReason, 'node lost');
  t.equal(r.endedBy, 'system');
  t.equal(r.outcome, 'answered', 'it had been answered');
  t.equal(r.node, 'node-a', 'the node that carried it');
  t.ok(['node-b', 'node-c', 'node-d'].includes(r.closedBy ?? ''), 'closed by one of the others');
  t.ok(Date.parse(r.endedAt) <= now, 'ended when its node was last heard from');
  t.equal(await redis.zcard('{cdr}:open'), 0, 'no open entry left');
  t.equal(await store.close(finished(o, []), 'owner'), null, 'the owner coming back later writes no second record');
});

t.test('a refreshed open record is not closed by a sweep, and refresh reports calls closed elsewhere', async (t) => {
  const o = open('alive-1');
  await store.open(o, 300);
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 150));
    t.same(await store.refresh(['alive-1'], 300), [], 'still open');
  }
  t.same(await store.expired(), [], 'never expired');
  t.same(await store.refresh(['never-opened'], 300), ['never-opened'], 'a call not open is reported gone');
  const many = Array.from({ length: 1200 }, (_, i) => `many-${i}`);
  t.same(await store.refresh([...many, 'alive-1'], 300), many, 'a long list is refreshed in slices, every one answered');
  await store.close(finished(o, []), 'owner');
});

t.test('reads: time range, limit with a continuation, and a scan bound', async (t) => {
  const fresh = new CdrStore(redis, 90 * DAY);
  const start = Date.now();
  for (let i = 0; i < 7; i++) await fresh.close(finished(open(`page-${i}`), ['VGP']), 'unopened');
  const end = Date.now();
  const first = await fresh.read({ voiceGroupId: 'VGP', from: start, to: end, limit: 3, maxScan: 100 });
  t.same(
    first.records.map((r) => r.callId),
    ['page-0', 'page-1', 'page-2'],
  );
  t.ok(first.next, 'more to read');
  const second = await fresh.read({ voiceGroupId: 'VGP', from: start, to: end, after: first.next!, limit: 10, maxScan: 100 });
  t.same(
    second.records.map((r) => r.callId),
    ['page-3', 'page-4', 'page-5', 'page-6'],
  );
  t.equal(second.next, undefined, 'the end');
  const bounded = await fresh.read({ voiceGroupId: 'VGP', from: start, to: end, limit: 10, maxScan: 4, keep: (r) => r.callId === 'page-6' });
  t.same(bounded.records, [], 'the match lies past the scan bound');
  t.ok(bounded.next, 'so the answer says where to continue');
  const before = await fresh.read({ voiceGroupId: 'VGP', from: start - 60_000, to: start - 1, limit: 10, maxScan: 100 });
  t.same(before.records, [], 'nothing before the range');
});

t.test('records older than the retention are never read, and are trimmed', async (t) => {
  const short = new CdrStore(redis, 200);
  await short.close(finished(open('old-1'), ['VGR']), 'unopened');
  await new Promise((r) => setTimeout(r, 300));
  const now = Date.now();
  t.same((await short.read({ from: 0, to: now, limit: 10, maxScan: 100, keep: (r) => r.callId === 'old-1' })).records, [], 'past retention: not read');
  t.equal(await redis.exists('{cdr}:cdr:vg:VGR'), 0, 'the idle voice-group stream expired');
  const has = async () => (await redis.xrange('{cdr}:cdr', '-', '+')).some(([, f]) => f[1]?.includes('"old-1"'));
  t.ok(await has(), 'still in the all-records stream before the purge');
  t.ok((await short.purge()) >= 1, 'the purge removed entries');
  t.notOk(await has(), 'and the old record is gone');
});

t.test('writes asked for together go as one script, in order, each with its own answer', async (t) => {
  const batched = new CdrStore(redis, 90 * DAY, { batchMs: 30 });
  await batched.close(finished(open('warm-1'), []), 'unopened'); // the script is known to Redis from here on
  const monitor = await RedisMonitor.open(server.url);
  t.teardown(() => monitor.close());
  await monitor.mark();
  const a = open('batch-a');
  const writes = Promise.all([
    batched.open(a, 60_000),
    batched.open(open('batch-b'), 60_000),
    batched.close(finished(a, ['VGX']), 'owner'),
    batched.close(finished(open('batch-c'), ['VGY']), 'owner'),
    batched.close(finished(open('batch-d'), ['VGX', 'VGY']), 'unopened'),
  ]);
  t.equal(await redis.hexists('{cdr}:open:rec', 'batch-b'), 0, 'nothing is written while the batch waits');
  const [, , closedA, closedC, closedD] = await writes;
  const sent = await monitor.mark();
  t.equal(sent.filter((c) => c.name === 'evalsha' || c.name === 'eval').length, 1, 'one script for the five writes');
  t.match(closedA, /^\d+-\d+$/, 'the close after its open in the same batch found it open');
  t.equal(closedC, null, 'an owner close of a call never opened writes nothing');
  t.match(closedD, /^\d+-\d+$/);
  t.equal(await redis.zscore('{cdr}:open', 'batch-a'), null, 'the closed call left the open set');
  t.ok(await redis.zscore('{cdr}:open', 'batch-b'), 'the other stays open');
  const now = Date.now();
  const inX = await batched.read({ voiceGroupId: 'VGX', from: now - 60_000, to: now + 1000, limit: 10, maxScan: 100 });
  t.same(
    inX.records.map((r) => r.callId),
    ['batch-a', 'batch-d'],
    "each record in its own voice groups' streams, in order",
  );
  const inY = await batched.read({ voiceGroupId: 'VGY', from: now - 60_000, to: now + 1000, limit: 10, maxScan: 100 });
  t.same(
    inY.records.map((r) => r.callId),
    ['batch-d'],
  );
  await batched.close(finished(open('batch-b'), []), 'owner');
});

t.test('a full batch goes at once; stopping sends what waits, and every later write at once', async (t) => {
  const slow = new CdrStore(redis, 90 * DAY, { batchMs: 60_000 });
  const within = <T>(p: Promise<T>, what: string) =>
    Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after 2 s`)), 2000))]);
  const many = Array.from({ length: 200 }, (_, i) => slow.open(open(`full-${i}`), 60_000));
  await within(Promise.all(many), 'a batch of 200');
  t.equal(await redis.hexists('{cdr}:open:rec', 'full-199'), 1, 'the 200 writes went without waiting for the timer');
  const waiting = slow.open(open('stop-1'), 60_000);
  t.equal(await redis.hexists('{cdr}:open:rec', 'stop-1'), 0, 'one write waits for its batch');
  await within(slow.stop(), 'stop');
  await waiting;
  t.equal(await redis.hexists('{cdr}:open:rec', 'stop-1'), 1, 'stop sent it');
  await within(slow.open(open('stop-2'), 60_000), 'a write after stop');
  t.equal(await redis.hexists('{cdr}:open:rec', 'stop-2'), 1);
  await redis.del('{cdr}:open', '{cdr}:open:rec');
});

t.test('when the batch cannot be written, every write in it fails', async (t) => {
  const away = createRedis('redis://127.0.0.1:1', 'cdr-t:', createLogger('silent'), { retryStrategy: () => null });
  t.teardown(() => away.disconnect());
  const lost = new CdrStore(away, 90 * DAY, { batchMs: 5 });
  const o = open('away-1');
  const results = await Promise.allSettled([lost.open(o, 60_000), lost.close(finished(o, ['VGZ']), 'owner')]);
  t.same(
    results.map((r) => r.status),
    ['rejected', 'rejected'],
  );
});

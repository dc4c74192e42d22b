import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning } from '../../src/provisioning/apply.js';
import { keys } from '../../src/store/keys.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { RedisMonitor } from '../helpers/redis-monitor.js';
import { startTestRedis } from '../helpers/redis-server.js';

/**
 * A provisioning file of 100,000 lines: once it overflowed the stack (every
 * key spread into one WATCH) and, below that, spent minutes in WATCH (Redis
 * checks each watched key against all the connection watches). A run with more
 * keys than the watch limit reads unwatched under the management lock.
 */
t.setTimeout(600_000);
const server = await startTestRedis();
t.teardown(() => server.stop());
const config = loadConfig({ env: { REDIS_URL: server.url } });
const redis = createRedis(server.url, config.redis.keyPrefix, createLogger('silent'));
t.teardown(() => redis.disconnect());
await waitForRedis(redis);

/** `count` digest lines, 1,000 a site, numbers from `first`. */
function file(count: number, first: number) {
  const sites = [];
  for (let s = 0; s * 1000 < count; s++) {
    const lines = [];
    for (let k = s * 1000; k < Math.min(count, (s + 1) * 1000); k++) {
      const n = first + k;
      lines.push({ sipId: `scale${n}`, password: `scale-pw-${n}`, auth: 'digest', channels: 2, basicNumber: `03${n}` });
    }
    sites.push({ id: String(1_000_000 + first / 10_000 + s), name: `Site ${s}`, lines });
  }
  return { voiceGroups: [{ id: `VG${first}`, name: 'Scale', sites }] };
}

t.test('a run over the watch limit holds the management lock and lets it go', async (t) => {
  const monitor = await RedisMonitor.open(server.url);
  t.teardown(() => monitor.close());
  await monitor.mark();
  const result = await applyProvisioning(redis, config, file(20, 20000000), undefined, undefined, { watchLimit: 10 });
  const seen = await monitor.mark();
  t.equal(result.lines.created, 20, 'every line written');
  t.equal(await redis.scard(keys.lineIndex), 20, 'and indexed');
  const lockTaken = seen.filter((c) => c.name === 'set' && c.args[0]?.endsWith(keys.managementLock) && c.args.includes('NX'));
  t.equal(lockTaken.length, 1, 'the management lock was taken once');
  t.ok(Math.max(0, ...seen.filter((c) => c.name === 'watch').map((c) => c.args.length)) <= 10, 'no WATCH beyond the limit');
  t.equal(await redis.exists(keys.managementLock), 0, 'the lock is released');
});

t.test('a run under the watch limit watches its keys and takes no lock', async (t) => {
  const monitor = await RedisMonitor.open(server.url);
  t.teardown(() => monitor.close());
  await monitor.mark();
  await applyProvisioning(redis, config, file(5, 30000000));
  const seen = await monitor.mark();
  t.ok(
    seen.some((c) => c.name === 'watch'),
    'keys watched',
  );
  t.notOk(
    seen.some((c) => c.name === 'set' && c.args[0]?.endsWith(keys.managementLock)),
    'no lock',
  );
});

t.test('100,000 lines in one file', async (t) => {
  const started = Date.now();
  const result = await applyProvisioning(redis, config, file(100_000, 40000000));
  t.comment(`100,000 lines provisioned in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  t.equal(result.lines.created, 100_000, 'every line created');
  t.equal(await redis.scard(keys.lineIndex), 100_025, 'every line indexed (with the 25 above)');
  const again = await applyProvisioning(redis, config, file(100_000, 40000000));
  t.equal(again.lines.unchanged, 100_000, 'applying it again changes nothing');
});

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { loadConfig, repoRoot } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning, loadProvisioningFile, ProvisioningError } from '../../src/provisioning/apply.js';
import { keys } from '../../src/store/keys.js';
import { LineStore } from '../../src/store/line-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis } from '../helpers/redis-server.js';

const server = await startTestRedis();
t.teardown(() => server.stop());
const config = loadConfig({ env: { REDIS_URL: server.url } });
const log = createLogger('silent');
const redis = createRedis(server.url, config.redis.keyPrefix, log);
// A plain client (no key prefix) to see exactly what is stored.
const raw = new Redis(server.url);
t.teardown(() => {
  redis.disconnect();
  raw.disconnect();
});
await waitForRedis(redis);
const lines = new LineStore(redis);

const example = loadProvisioningFile(join(repoRoot(), 'config/example-provisioning.yaml'));
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every key with its type, TTL and full value: compared before/after refused input. */
async function dump(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await raw.keys('*')).sort()) {
    const type = await raw.type(key);
    const value = type === 'hash' ? await raw.hgetall(key)
      : type === 'set' ? (await raw.smembers(key)).sort()
      : type === 'string' ? await raw.get(key)
      : type === 'zset' ? await raw.zrange(key, 0, -1, 'WITHSCORES')
      : type === 'list' ? await raw.lrange(key, 0, -1) : type;
    out[key] = { type, value, ttl: await raw.ttl(key) };
  }
  return out;
}

async function refused(t: Test, input: unknown): Promise<string[]> {
  const before = await dump();
  const err = await applyProvisioning(redis, config, input).then(() => null, (e: unknown) => e);
  t.ok(err instanceof ProvisioningError, 'refused with a ProvisioningError');
  t.same(await dump(), before, 'Redis unchanged');
  return err instanceof ProvisioningError ? err.issues : [];
}

type Obj = Record<string, unknown>;
const oneLine = (line: Obj, siteId = '1000001', vg = 'VG0001'): Obj => ({
  voiceGroups: [{ id: vg, name: 'Example Co.', sites: [{ id: siteId, name: 'Head office', lines: [line] }] }],
});
const tokyo = (over: Obj = {}): Obj => ({
  sipId: 'pbx-tokyo', password: 'change-me-123', auth: 'digest', channels: 4,
  basicNumber: '03-1234-5678', dialInNumbers: ['0312345679'], ...over,
});

t.test('applying the example file', async (t) => {
  const r = await applyProvisioning(redis, config, example);
  t.same(r, {
    voiceGroups: { created: 1, updated: 0, unchanged: 0 },
    sites: { created: 2, updated: 0, unchanged: 0 },
    lines: { created: 3, updated: 0, unchanged: 0 },
    numbers: { created: 4, updated: 0, unchanged: 0, removed: 0 },
  });
  const line = await lines.get('pbx-tokyo');
  t.same(line, {
    sipId: 'pbx-tokyo', voiceGroupId: 'VG0001', siteId: '1000001', channels: 4, auth: 'digest',
    realm: 'softswitch.test',
    ha1Md5: md5('pbx-tokyo:softswitch.test:change-me-123'),
    ha1Sha256: sha256('pbx-tokyo:softswitch.test:change-me-123'),
    allowedAddresses: [], basicNumber: '0312345678', dialInNumbers: ['0312345679'],
  });
  t.same(await raw.hgetall('ss:num:0312345679'), { number: '0312345679', sipId: 'pbx-tokyo', kind: 'dial-in' }, 'keys carry the prefix');
  t.same(await redis.smembers(keys.voiceGroupIndex), ['VG0001']);
  t.same(await redis.hgetall(keys.site('1000002')), { id: '1000002', voiceGroupId: 'VG0001', name: 'Osaka branch' });
  t.same(await lines.listBySite('1000001'), ['pbx-tokyo', 'phone-101']);
  t.same((await redis.smembers(keys.lineIndex)).sort(), ['gw-osaka', 'pbx-tokyo', 'phone-101']);

  const gw = await lines.byAddress('127.0.0.2');
  t.equal(gw?.sipId, 'gw-osaka');
  t.equal(gw?.auth, 'ip');
  t.equal(gw?.ha1Md5, undefined);
  t.equal((await lines.byAddress('::ffff:127.0.0.2'))?.sipId, 'gw-osaka', 'IPv4-mapped source address');
  t.equal(await lines.byAddress('127.0.0.1'), null);
  t.equal(await lines.get('nobody'), null);

  const everything = JSON.stringify(await dump());
  t.notOk(everything.includes('change-me-123'), 'no clear password anywhere in Redis');
  t.notOk(everything.includes('phone-101-secret'), 'no clear password anywhere in Redis');
});

t.test('re-applying the same file changes nothing', async (t) => {
  const before = await dump();
  const r = await applyProvisioning(redis, config, example);
  t.same(r, {
    voiceGroups: { created: 0, updated: 0, unchanged: 1 },
    sites: { created: 0, updated: 0, unchanged: 2 },
    lines: { created: 0, updated: 0, unchanged: 3 },
    numbers: { created: 0, updated: 0, unchanged: 4, removed: 0 },
  });
  t.same(await dump(), before);
});

t.test('a file with one bad field is refused whole', async (t) => {
  const bad = structuredClone(example) as { voiceGroups: Array<{ name: string; sites: Array<{ lines: Obj[] }> }> };
  bad.voiceGroups[0]!.name = 'Renamed Co.'; // a valid change that must not be applied either
  bad.voiceGroups[0]!.sites[0]!.lines[1]!.basicNumber = '12-34';
  t.same(await refused(t, bad), ['voiceGroups[0].sites[0].lines[1].basicNumber: not a national number (0 + 9 or 10 digits)']);
  t.equal(await redis.hget(keys.voiceGroup('VG0001'), 'name'), 'Example Co.');
});

t.test('a number owned by another line is refused', async (t) => {
  const issues = await refused(t, oneLine({ sipId: 'intruder', password: 'intruder-123', auth: 'digest', channels: 1,
    basicNumber: '0312340000', dialInNumbers: ['03-1234-5679'] }));
  t.same(issues, ['voiceGroups[0].sites[0].lines[0].dialInNumbers[0]: number 0312345679 already belongs to line pbx-tokyo']);
  t.same(await refused(t, oneLine({ sipId: 'gw-2', auth: 'ip', allowedAddresses: ['127.0.0.2'], channels: 1, basicNumber: '0312340001' })),
    ['voiceGroups[0].sites[0].lines[0].allowedAddresses[0]: address 127.0.0.2 already authenticates line gw-osaka']);
  t.equal(await lines.get('intruder'), null);
});

t.test("changing a line's numbers removes the old num: keys", async (t) => {
  const r = await applyProvisioning(redis, config, oneLine(tokyo({ dialInNumbers: ['0312345677'] })));
  t.same(r.numbers, { created: 1, updated: 0, unchanged: 1, removed: 1 });
  t.same(r.lines, { created: 0, updated: 1, unchanged: 0 });
  t.equal(await redis.exists(keys.number('0312345679')), 0, 'old dial-in number gone');
  t.equal(await redis.hget(keys.number('0312345677'), 'sipId'), 'pbx-tokyo');
  t.same((await lines.get('pbx-tokyo'))?.dialInNumbers, ['0312345677']);
  t.equal(await redis.hget(keys.number('0312340101'), 'sipId'), 'phone-101', 'lines not in the file are left alone');
});

t.test('a number can move between two lines of the same file', async (t) => {
  const file = { voiceGroups: [{ id: 'VG0001', name: 'Example Co.', sites: [{ id: '1000001', name: 'Head office', lines: [
    tokyo({ dialInNumbers: [] }),
    { sipId: 'phone-101', password: 'phone-101-secret', auth: 'digest', channels: 2, basicNumber: '0312340101', dialInNumbers: ['0312345677'] },
  ] }] }] };
  const r = await applyProvisioning(redis, config, file);
  t.same(r.numbers, { created: 0, updated: 1, unchanged: 2, removed: 0 });
  t.same(await redis.hgetall(keys.number('0312345677')), { number: '0312345677', sipId: 'phone-101', kind: 'dial-in' });
});

t.test('switching auth and site keeps every index in sync', async (t) => {
  // pbx-tokyo becomes an IP trunk of the Osaka site.
  let r = await applyProvisioning(redis, config, oneLine(
    { sipId: 'pbx-tokyo', auth: 'ip', allowedAddresses: ['127.0.0.5', '::1'], channels: 4, basicNumber: '0312345678' }, '1000002'));
  t.same(r.lines, { created: 0, updated: 1, unchanged: 0 });
  const line = await lines.get('pbx-tokyo');
  t.equal(line?.auth, 'ip');
  t.equal(line?.ha1Md5, undefined, 'HA1 fields removed');
  t.equal(line?.realm, undefined);
  t.equal(line?.siteId, '1000002');
  t.same(await lines.listBySite('1000001'), ['phone-101'], 'left its old site');
  t.same(await lines.listBySite('1000002'), ['gw-osaka', 'pbx-tokyo']);
  t.equal((await lines.byAddress('0:0:0:0:0:0:0:1'))?.sipId, 'pbx-tokyo');

  // Drop one address, and move the other to gw-osaka in the same file.
  r = await applyProvisioning(redis, config, oneLine(
    { sipId: 'pbx-tokyo', auth: 'ip', allowedAddresses: ['127.0.0.6'], channels: 4, basicNumber: '0312345678' }, '1000002'));
  t.equal(await redis.exists(keys.ipAuth('127.0.0.5')), 0, 'old address removed');
  t.equal(await redis.exists(keys.ipAuth('::1')), 0);
  t.equal(await redis.get(keys.ipAuth('127.0.0.6')), 'pbx-tokyo');

  // Back to digest with precomputed HA1.
  const h1 = md5('pbx-tokyo:softswitch.test:other-pass-1');
  const h2 = sha256('pbx-tokyo:softswitch.test:other-pass-1');
  await applyProvisioning(redis, config, oneLine(tokyo({ password: undefined, ha1Md5: h1.toUpperCase(), ha1Sha256: h2 })));
  const back = await lines.get('pbx-tokyo');
  t.same([back?.auth, back?.ha1Md5, back?.ha1Sha256, back?.allowedAddresses], ['digest', h1, h2, []]);
  t.equal(await redis.exists(keys.ipAuth('127.0.0.6')), 0);
  t.equal(await lines.byAddress('127.0.0.6'), null);
});

t.test('the realm in the HA1 follows the configuration', async (t) => {
  const other = { ...config, sip: { ...config.sip, realm: 'other.realm' } };
  const r = await applyProvisioning(redis, other, oneLine(tokyo()));
  t.same(r.lines, { created: 0, updated: 1, unchanged: 0 });
  const line = await lines.get('pbx-tokyo');
  t.equal(line?.realm, 'other.realm');
  t.equal(line?.ha1Md5, md5('pbx-tokyo:other.realm:change-me-123'));
});

t.test('unreadable files are refused', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'voiceGroups: [unclosed\n', 'ok.json': '{"voiceGroups": []}' });
  t.throws(() => loadProvisioningFile(join(dir, 'bad.yaml')), ProvisioningError);
  t.throws(() => loadProvisioningFile(join(dir, 'missing.yaml')), ProvisioningError);
  t.same(loadProvisioningFile(join(dir, 'ok.json')), { voiceGroups: [] });
});

t.test('a change made by someone else between the checks and the write is caught (WATCH)', async (t) => {
  // Let the first read pass, then have another client take the number before the MULTI/EXEC.
  const realPipeline = redis.pipeline.bind(redis);
  let raced = false;
  redis.pipeline = ((...args: Parameters<typeof realPipeline>) => {
    const p = realPipeline(...args);
    if (!raced) {
      raced = true;
      const realExec = p.exec.bind(p);
      p.exec = (async () => {
        const replies = await realExec();
        await raw.hset('ss:num:0312349999', { number: '0312349999', sipId: 'someone-else', kind: 'basic' });
        return replies;
      }) as typeof p.exec;
    }
    return p;
  }) as typeof redis.pipeline;
  t.teardown(() => {
    redis.pipeline = realPipeline;
  });
  const err = await applyProvisioning(redis, config, oneLine(tokyo({ dialInNumbers: ['0312349999'] }))).catch((e: unknown) => e);
  t.ok(raced, 'the race was staged');
  t.ok(err instanceof ProvisioningError, 'the retry saw the new owner');
  t.match((err as ProvisioningError).issues, [/number 0312349999 already belongs to line someone-else/]);
  t.equal(await redis.hget(keys.number('0312349999'), 'sipId'), 'someone-else', 'not overwritten');
});

import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import t, { type Test } from 'tap';
import { stringify } from 'yaml';
import { loadConfig, repoRoot } from '../../src/config/load.js';
import { createLogger } from '../../src/log.js';
import { applyProvisioning, loadProvisioningFile, ProvisioningError } from '../../src/provisioning/apply.js';
import { FeatureStore } from '../../src/store/feature-store.js';
import { defaultFeatures } from '../../src/features/settings.js';
import { RouteStore } from '../../src/store/route-store.js';
import { keys } from '../../src/store/keys.js';
import { LineStore } from '../../src/store/line-store.js';
import { createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { runCli, tempDir, writeServerConfig } from '../helpers/server-process.js';

const server = await startTestRedis();
t.teardown(() => server.stop());
// Its IP lines and peers are on 127.0.0.x: a test rig on this machine.
const config = loadConfig({ env: { REDIS_URL: server.url } });
config.provisioning.allowLoopbackAddresses = true;
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
const features = new FeatureStore(redis);
const routes = new RouteStore(redis);

const example = loadProvisioningFile(join(repoRoot(), 'config/example-provisioning.yaml'));
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Every key with its type, TTL and full value: compared before/after refused input. */
async function dump(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const key of (await raw.keys('*')).sort()) {
    const type = await raw.type(key);
    const value =
      type === 'hash'
        ? await raw.hgetall(key)
        : type === 'set'
          ? (await raw.smembers(key)).sort()
          : type === 'string'
            ? await raw.get(key)
            : type === 'zset'
              ? await raw.zrange(key, 0, -1, 'WITHSCORES')
              : type === 'list'
                ? await raw.lrange(key, 0, -1)
                : type;
    out[key] = { type, value, ttl: await raw.ttl(key) };
  }
  return out;
}

async function refused(t: Test, input: unknown): Promise<string[]> {
  const before = await dump();
  const err = await applyProvisioning(redis, config, input).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof ProvisioningError, 'refused with a ProvisioningError');
  t.same(await dump(), before, 'Redis unchanged');
  return err instanceof ProvisioningError ? err.issues : [];
}

type Obj = Record<string, unknown>;
const oneLine = (line: Obj, siteId = '1000001', vg = 'VG0001'): Obj => ({
  voiceGroups: [{ id: vg, name: 'Example Co.', sites: [{ id: siteId, name: 'Head office', lines: [line] }] }],
});
const tokyo = (over: Obj = {}): Obj => ({
  sipId: 'pbx-tokyo',
  password: 'change-me-123',
  auth: 'digest',
  channels: 4,
  basicNumber: '03-1234-5678',
  dialInNumbers: ['0312345679'],
  ...over,
});

const none = { created: 0, updated: 0, unchanged: 0 };
const noneRemoved = { ...none, removed: 0 };

t.test('applying the example file', async (t) => {
  const r = await applyProvisioning(redis, config, example);
  t.same(r, {
    voiceGroups: { created: 1, updated: 0, unchanged: 0 },
    sites: { created: 2, updated: 0, unchanged: 0 },
    lines: { created: 4, updated: 0, unchanged: 0 },
    numbers: { created: 5, updated: 0, unchanged: 0, removed: 0 },
    huntGroups: { created: 1, updated: 0, unchanged: 0 },
    bulkGroups: { created: 1, updated: 0, unchanged: 0 },
    features: { created: 1, updated: 0, unchanged: 0, removed: 0 },
    options: { created: 0, updated: 0, unchanged: 0, removed: 0 },
    peers: { created: 1, updated: 0, unchanged: 0, removed: 0 },
    outboundRoutes: { created: 1, updated: 0, unchanged: 0, removed: 0 },
    emergencyRoutes: { created: 1, updated: 0, unchanged: 0, removed: 0 },
    voicemail: { created: 1, updated: 0, unchanged: 0, removed: 0 },
  });
  const line = await lines.get('pbx-tokyo');
  t.same(line, {
    sipId: 'pbx-tokyo',
    voiceGroupId: 'VG0001',
    siteId: '1000001',
    channels: 4,
    auth: 'digest',
    realm: 'softswitch.test',
    ha1Md5: md5('pbx-tokyo:softswitch.test:change-me-123'),
    ha1Sha256: sha256('pbx-tokyo:softswitch.test:change-me-123'),
    allowedAddresses: [],
    basicNumber: '0312345678',
    dialInNumbers: ['0312345679'],
  });
  t.same(await raw.hgetall(`ss:${keys.number('0312345679')}`), { number: '0312345679', sipId: 'pbx-tokyo', kind: 'dial-in' }, 'keys carry the prefix');
  t.same(await redis.smembers(keys.voiceGroupIndex), ['VG0001']);
  t.same(await redis.hgetall(keys.site('1000002')), { id: '1000002', voiceGroupId: 'VG0001', name: 'Osaka branch' });
  t.same(await lines.listBySite('1000001'), ['pbx-tokyo', 'phone-101', 'phone-102']);
  t.same((await redis.smembers(keys.lineIndex)).sort(), ['gw-osaka', 'pbx-tokyo', 'phone-101', 'phone-102']);

  const gw = await lines.byAddress('192.0.2.2');
  t.equal(gw?.sipId, 'gw-osaka');
  t.equal(gw?.auth, 'ip');
  t.equal(gw?.ha1Md5, undefined);
  t.equal((await lines.byAddress('::ffff:192.0.2.2'))?.sipId, 'gw-osaka', 'IPv4-mapped source address');
  t.equal(await lines.byAddress('127.0.0.1'), null);
  t.equal(await lines.get('nobody'), null);

  const everything = JSON.stringify(await dump());
  t.notOk(everything.includes('change-me-123'), 'no clear password anywhere in Redis');
  t.notOk(everything.includes('phone-101-secret'), 'no clear password anywhere in Redis');
});

t.test('the example features, groups and routes read back', async (t) => {
  const f = await features.get('0312345679');
  t.same(f?.blockedCallers, ['0612345678']);
  t.equal(f?.internationalBar, true);
  t.equal(f?.anonymousRejection, false);
  t.equal(f?.outgoingRestriction, false, 'not in the file: the default');
  t.same(f?.forwarding.destinations, ['0312340101', null, null, null, '09012345678'], 'destinations normalised, 5 slots');
  t.same([f?.forwarding.enabled, f?.forwarding.busy, f?.forwarding.unreachable, f?.forwarding.noAnswer], [true, true, true, false]);
  t.same(f?.forwarding.schedule, [
    {
      days: [0, 6],
      from: '00:00',
      to: '00:00',
      pattern: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 1 },
    },
  ]);
  t.same(await features.get('0312345678'), defaultFeatures('0312345678'), 'a number without settings has the defaults');

  const hunt = { id: 'reception', siteId: '1000001', pilot: '0312340101', members: ['0312340102'], mode: 'round-robin', presentation: 'pilot' };
  t.same(await features.huntGroupOf('0312340101'), hunt, 'the pilot');
  t.same(await features.huntGroupOf('0312340102'), hunt, 'a member');
  t.equal(await features.huntGroupOf('0312345678'), null);
  t.same(await redis.smembers(keys.siteHuntGroups('1000001')), ['reception']);
  t.same(await features.bulkGroupOf('0312345679'), {
    id: 'hq-closed',
    siteId: '1000001',
    name: 'Head office closed',
    state: 'stopped',
    members: ['0312345679'],
  });
  t.same(await redis.smembers(keys.siteBulkGroups('1000001')), ['hq-closed']);

  t.same(await routes.outboundRoutes(), [{ name: 'carrier-a-out', prefix: '0', target: '127.0.0.1:5070', transport: 'udp' }]);
  t.same(await routes.emergencyRoutes(), [{ name: 'emergency', areaCodes: ['03', '06'], target: '127.0.0.1:5071', transport: 'udp' }]);
  t.same(await routes.voicemailRoute(), { name: 'voicemail', target: '127.0.0.1:5072', transport: 'udp' });
  t.same(await routes.peerByAddress('198.51.100.3'), { name: 'carrier-a', addresses: ['198.51.100.3'] });
  t.equal(await routes.peerByAddress('192.0.2.2'), null, 'an IP-auth line is not a peer');
});

t.test('re-applying the same file changes nothing', async (t) => {
  const before = await dump();
  const r = await applyProvisioning(redis, config, example);
  t.same(r, {
    voiceGroups: { created: 0, updated: 0, unchanged: 1 },
    sites: { created: 0, updated: 0, unchanged: 2 },
    lines: { created: 0, updated: 0, unchanged: 4 },
    numbers: { created: 0, updated: 0, unchanged: 5, removed: 0 },
    huntGroups: { created: 0, updated: 0, unchanged: 1 },
    bulkGroups: { created: 0, updated: 0, unchanged: 1 },
    features: { created: 0, updated: 0, unchanged: 1, removed: 0 },
    options: { created: 0, updated: 0, unchanged: 0, removed: 0 },
    peers: { created: 0, updated: 0, unchanged: 1, removed: 0 },
    outboundRoutes: { created: 0, updated: 0, unchanged: 1, removed: 0 },
    emergencyRoutes: { created: 0, updated: 0, unchanged: 1, removed: 0 },
    voicemail: { created: 0, updated: 0, unchanged: 1, removed: 0 },
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
  const issues = await refused(
    t,
    oneLine({ sipId: 'intruder', password: 'intruder-123', auth: 'digest', channels: 1, basicNumber: '0312340000', dialInNumbers: ['03-1234-5679'] }),
  );
  t.same(issues, ['voiceGroups[0].sites[0].lines[0].dialInNumbers[0]: number 0312345679 already belongs to line pbx-tokyo']);
  t.same(await refused(t, oneLine({ sipId: 'gw-2', auth: 'ip', allowedAddresses: ['192.0.2.2'], channels: 1, basicNumber: '0312340001' })), [
    'voiceGroups[0].sites[0].lines[0].allowedAddresses[0]: address 192.0.2.2 already authenticates line gw-osaka',
  ]);
  t.equal(await lines.get('intruder'), null);
});

t.test("changing a line's numbers removes the old num: keys, settings and group entries", async (t) => {
  // 0312345679 is in bulk group hq-closed: it cannot leave its line while the group keeps it.
  t.same(await refused(t, oneLine(tokyo({ dialInNumbers: ['0312345677'] }))), [
    'voiceGroups[0].sites[0].lines[0]: number 0312345679 leaves its line but is still in bulk group hq-closed',
  ]);

  const file = oneLine(tokyo({ dialInNumbers: ['0312345677'] })) as { voiceGroups: Array<{ sites: Obj[] }> };
  file.voiceGroups[0]!.sites[0]!.bulkGroups = [{ id: 'hq-closed', name: 'Head office closed', members: ['0312345677'] }];
  const r = await applyProvisioning(redis, config, file);
  t.same(r.numbers, { created: 1, updated: 0, unchanged: 1, removed: 1 });
  t.same(r.lines, { created: 0, updated: 1, unchanged: 0 });
  t.same(r.bulkGroups, { created: 0, updated: 1, unchanged: 0 });
  t.same(r.features, { ...noneRemoved, removed: 1 }, 'the settings of the number went with it');
  t.equal(await redis.exists(keys.number('0312345679')), 0, 'old dial-in number gone');
  t.equal(await redis.exists(keys.features('0312345679')), 0);
  t.equal(await features.get('0312345679'), null, 'no longer ours');
  t.equal(await redis.exists(keys.bulkGroupOf('0312345679')), 0, 'index entry of the dropped member gone');
  t.equal((await features.bulkGroupOf('0312345677'))?.id, 'hq-closed');
  t.equal(await redis.hget(keys.number('0312345677'), 'sipId'), 'pbx-tokyo');
  t.same((await lines.get('pbx-tokyo'))?.dialInNumbers, ['0312345677']);
  t.equal(await redis.hget(keys.number('0312340101'), 'sipId'), 'phone-101', 'lines not in the file are left alone');
  t.same(r.huntGroups, none, 'sections the file does not give are not counted');
});

t.test('a number can move between two lines of the same file', async (t) => {
  const file = {
    voiceGroups: [
      {
        id: 'VG0001',
        name: 'Example Co.',
        sites: [
          {
            id: '1000001',
            name: 'Head office',
            lines: [
              tokyo({ dialInNumbers: [] }),
              { sipId: 'phone-101', password: 'phone-101-secret', auth: 'digest', channels: 2, basicNumber: '0312340101', dialInNumbers: ['0312345677'] },
            ],
          },
        ],
      },
    ],
  };
  const r = await applyProvisioning(redis, config, file);
  t.same(r.numbers, { created: 0, updated: 1, unchanged: 2, removed: 0 });
  t.same(await redis.hgetall(keys.number('0312345677')), { number: '0312345677', sipId: 'phone-101', kind: 'dial-in' });
  t.equal((await features.bulkGroupOf('0312345677'))?.id, 'hq-closed', 'still in its bulk group (same site)');
});

t.test('switching auth and site keeps every index in sync', async (t) => {
  // pbx-tokyo becomes an IP trunk of the Osaka site.
  const r = await applyProvisioning(
    redis,
    config,
    oneLine({ sipId: 'pbx-tokyo', auth: 'ip', allowedAddresses: ['127.0.0.5', '::1'], channels: 4, basicNumber: '0312345678' }, '1000002'),
  );
  t.same(r.lines, { created: 0, updated: 1, unchanged: 0 });
  const line = await lines.get('pbx-tokyo');
  t.equal(line?.auth, 'ip');
  t.equal(line?.ha1Md5, undefined, 'HA1 fields removed');
  t.equal(line?.realm, undefined);
  t.equal(line?.siteId, '1000002');
  t.same(await lines.listBySite('1000001'), ['phone-101', 'phone-102'], 'left its old site');
  t.same(await lines.listBySite('1000002'), ['gw-osaka', 'pbx-tokyo']);
  t.equal((await lines.byAddress('0:0:0:0:0:0:0:1'))?.sipId, 'pbx-tokyo');

  // Drop one address, and move the other to gw-osaka in the same file.
  await applyProvisioning(
    redis,
    config,
    oneLine({ sipId: 'pbx-tokyo', auth: 'ip', allowedAddresses: ['127.0.0.6'], channels: 4, basicNumber: '0312345678' }, '1000002'),
  );
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
  redis.pipeline = (...args: Parameters<typeof realPipeline>) => {
    const p = realPipeline(...args);
    if (!raced) {
      raced = true;
      const realExec = p.exec.bind(p);
      p.exec = async () => {
        const replies = await realExec();
        await raw.hset(`ss:${keys.number('0312349999')}`, { number: '0312349999', sipId: 'someone-else', kind: 'basic' });
        return replies;
      };
    }
    return p;
  };
  t.teardown(() => {
    redis.pipeline = realPipeline;
  });
  const err = await applyProvisioning(redis, config, oneLine(tokyo({ dialInNumbers: ['0312349999'] }))).catch((e: unknown) => e);
  t.ok(raced, 'the race was staged');
  t.ok(err instanceof ProvisioningError, 'the retry saw the new owner');
  t.match((err as ProvisioningError).issues, [/number 0312349999 already belongs to line someone-else/]);
  t.equal(await redis.hget(keys.number('0312349999'), 'sipId'), 'someone-else', 'not overwritten');
});

// --- features, groups and routing against what Redis holds ---

t.test('features round trip: set, change one field, clear, re-apply', async (t) => {
  const set = {
    features: {
      '03-1234-0102': {
        blockedCallers: ['090-1111-2222'],
        blockAnnouncementUri: 'sip:blocked@127.0.0.1:5072',
        outgoingRestriction: true,
        specificPresentation: { number: '0800-123-4567', enabled: true },
        forwarding: {
          enabled: true,
          noAnswer: true,
          ringTime: 25,
          active: 2,
          destinations: [null, '+81 90 1234 5678'],
          schedule: [{ days: [5, 1], from: '22:00', to: '06:00', pattern: { enabled: true, unconditional: true, active: 2 } }],
        },
      },
    },
  };
  let r = await applyProvisioning(redis, config, set);
  t.same(r.features, { ...noneRemoved, created: 1 });
  t.same(r.lines, none, 'a features-only file touches nothing else');
  const want = {
    ...defaultFeatures('0312340102'),
    blockedCallers: ['09011112222'],
    blockAnnouncementUri: 'sip:blocked@127.0.0.1:5072',
    outgoingRestriction: true,
    specificPresentation: { number: '08001234567', enabled: true },
    forwarding: {
      enabled: true,
      unconditional: false,
      busy: false,
      noAnswer: true,
      unreachable: false,
      ringTime: 25,
      active: 2,
      destinations: [null, '09012345678', null, null, null],
      schedule: [
        {
          days: [1, 5],
          from: '22:00',
          to: '06:00',
          pattern: { enabled: true, unconditional: true, busy: false, noAnswer: false, unreachable: false, ringTime: 15, active: 2 },
        },
      ],
    },
  };
  t.same(await features.get('0312340102'), want);

  const before = await dump();
  r = await applyProvisioning(redis, config, set);
  t.same(r.features, { ...noneRemoved, unchanged: 1 });
  t.same(await dump(), before, 're-applying changes nothing');

  r = await applyProvisioning(redis, config, { features: { '0312340102': { anonymousRejection: true } } });
  t.same(r.features, { ...noneRemoved, updated: 1 });
  t.same(await features.get('0312340102'), { ...want, anonymousRejection: true }, 'fields left out keep their values');

  await applyProvisioning(redis, config, {
    features: { '0312340102': { blockAnnouncementUri: null, specificPresentation: null, forwarding: { ringTime: 10 } } },
  });
  const cleared = await features.get('0312340102');
  t.equal(cleared?.blockAnnouncementUri, undefined, 'null clears');
  t.equal(cleared?.specificPresentation, undefined);
  t.same(cleared?.forwarding, { ...defaultFeatures('x').forwarding, ringTime: 10 }, 'forwarding is replaced whole');
  t.same(cleared?.blockedCallers, ['09011112222']);
});

t.test('invalid features, groups and routes change nothing', async (t) => {
  t.same(await refused(t, { features: { '0399999999': { anonymousRejection: true } } }), [
    'features.0399999999: number 0399999999 is not provisioned (no line has it)',
  ]);
  t.same(
    await refused(t, { features: { '0312340101': { anonymousRejection: true, outgoingRestriction: true }, '0312345677': { outgoingRestriction: true } } }),
    ['features.0312345677.outgoingRestriction: only for basic numbers'],
    'kind read from Redis; nothing of the valid entry applied',
  );
  t.equal((await features.get('0312340101'))?.anonymousRejection, false);

  const site1 = (over: Obj) => ({ voiceGroups: [{ id: 'VG0001', name: 'Example Co.', sites: [{ id: '1000001', name: 'Head office', ...over }] }] });
  t.same(await refused(t, site1({ huntGroups: [{ id: 'h2', pilot: '0612345678', members: ['0312345677', '0399999999'] }] })), [
    'voiceGroups[0].sites[0].huntGroups[0].pilot: number 0612345678 is not a number of site 1000001',
    'voiceGroups[0].sites[0].huntGroups[0].members[0]: number 0312345677 is not the basic number of a line (hunt groups hold basic numbers)',
    'voiceGroups[0].sites[0].huntGroups[0].members[1]: number 0399999999 is not provisioned (no line has it)',
  ]);
  t.same(await refused(t, site1({ huntGroups: [{ id: 'h2', pilot: '0312340102', members: ['0312345678'] }] })), [
    'voiceGroups[0].sites[0].huntGroups[0].pilot: number 0312340102 is already in hunt group reception',
  ]);
  t.same(await refused(t, site1({ bulkGroups: [{ id: 'b2', name: 'x', members: ['0312345677'] }] })), [
    'voiceGroups[0].sites[0].bulkGroups[0].members[0]: number 0312345677 is already in bulk group hq-closed',
  ]);
  t.same(await refused(t, { routing: { peers: [{ name: 'p', addresses: ['192.0.2.2'] }] } }), [
    'routing.peers[0].addresses[0]: address 192.0.2.2 already authenticates line gw-osaka',
  ]);
  t.same(await refused(t, oneLine({ sipId: 'gw-x', auth: 'ip', allowedAddresses: ['198.51.100.3'], channels: 1, basicNumber: '0312340009' })), [
    'voiceGroups[0].sites[0].lines[0].allowedAddresses[0]: address 198.51.100.3 is the address of interconnect peer carrier-a',
  ]);
  // One invalid field among many valid changes of every kind.
  const bad = structuredClone(example) as Obj & { features: Record<string, Obj>; routing: { outboundRoutes: Obj[] } };
  bad.routing.outboundRoutes.push({ name: 'new', prefix: '090', target: '127.0.0.1:5073' });
  bad.features['0312345678'] = { anonymousRejection: true };
  bad.features['0312340101'] = { forwarding: { ringTime: 31 } };
  t.same(await refused(t, bad), ['features.0312340101.forwarding.ringTime: must be between 5 and 30']);
});

t.test('slot 5: reserved for members of a bulk group, free for other numbers', async (t) => {
  const site1 = (bulkMembers: string[]) => ({
    voiceGroups: [
      {
        id: 'VG0001',
        name: 'Example Co.',
        sites: [{ id: '1000001', name: 'Head office', bulkGroups: [{ id: 'hq-closed', name: 'Head office closed', members: bulkMembers }] }],
      },
    ],
  });
  const slot5 = { enabled: true, unconditional: true, active: 5, destinations: [null, null, null, null, '0612345678'] };
  await applyProvisioning(redis, config, { ...site1(['0312345679']), features: { '0312345679': { forwarding: { enabled: false } } } });
  t.equal((await features.bulkGroupOf('0312345679'))?.id, 'hq-closed');
  t.same(await refused(t, { features: { '0312345679': { forwarding: slot5 } } }), [
    'features.0312345679.forwarding.active: slot 5 is reserved for bulk forwarding (number 0312345679 is in bulk group hq-closed)',
  ]);
  const scheduled = {
    destinations: ['0612345678', null, null, null, '0612345678'],
    schedule: [{ days: [1], from: '09:00', to: '18:00', pattern: { enabled: true, unconditional: true, active: 5 } }],
  };
  t.same(await refused(t, { features: { '0312345679': { forwarding: scheduled } } }), [
    'features.0312345679.forwarding.schedule[0].pattern.active: slot 5 is reserved for bulk forwarding (number 0312345679 is in bulk group hq-closed)',
  ]);

  await applyProvisioning(redis, config, { features: { '0312345678': { forwarding: slot5 } } });
  t.match(
    await features.get('0312345678'),
    { forwarding: { active: 5, destinations: [null, null, null, null, '0612345678'] } },
    'a number in no bulk group uses all five',
  );

  t.same(await refused(t, site1(['0312345679', '0312345678'])), [
    'voiceGroups[0].sites[0].bulkGroups[0].members[1]: number 0312345678 forwards from slot 5, which bulk forwarding reserves; choose another active slot first',
  ]);
  const moved = { ...site1(['0312345679', '0312345678']), features: { '0312345678': { forwarding: { ...slot5, active: 1, destinations: ['0612345678'] } } } };
  t.same((await applyProvisioning(redis, config, moved)).bulkGroups, { created: 0, updated: 1, unchanged: 0 }, 'joining with slot 5 given up in the same file');
  t.same(await refused(t, { features: { '0312345678': { forwarding: slot5 } } }), [
    'features.0312345678.forwarding.active: slot 5 is reserved for bulk forwarding (number 0312345678 is in bulk group hq-closed)',
  ]);
  await applyProvisioning(redis, config, { ...site1(['0312345679']), features: { '0312345678': { forwarding: slot5 } } });
  t.equal((await features.get('0312345678'))?.forwarding.active, 5, 'leaving the group in the same file frees slot 5');
  await applyProvisioning(redis, config, { features: { '0312345678': { forwarding: { enabled: false } } } });
});

t.test("toll-free destinations need the number's tollFreeForwarding, as given or as stored", async (t) => {
  const to0120 = { forwarding: { enabled: true, unconditional: true, destinations: ['0120-123-456'] } };
  t.same(await refused(t, { features: { '0312345678': to0120 } }), [
    'features.0312345678.forwarding.destinations[0]: Toll-free numbers (0120) cannot be forwarding destinations without the toll-free forwarding option',
  ]);
  await applyProvisioning(redis, config, { features: { '0312345678': { tollFreeForwarding: true } } });
  await applyProvisioning(redis, config, { features: { '0312345678': to0120 } });
  t.match(await features.get('0312345678'), { tollFreeForwarding: true, forwarding: { destinations: ['0120123456'] } }, 'the stored option allows it');
  await applyProvisioning(redis, config, { features: { '0312345678': { tollFreeForwarding: false, forwarding: { enabled: false } } } });
  t.equal((await features.get('0312345678'))?.tollFreeForwarding, false);
});

t.test('hunt groups: members leave, and move between groups in one file', async (t) => {
  const site1 = (huntGroups: Obj[], lines: Obj[] = []) => ({
    voiceGroups: [{ id: 'VG0001', name: 'Example Co.', sites: [{ id: '1000001', name: 'Head office', lines, huntGroups }] }],
  });
  let r = await applyProvisioning(redis, config, site1([{ id: 'reception', pilot: '0312340101', members: ['0312345678'], mode: 'round-robin' }]));
  t.same(r.huntGroups, { created: 0, updated: 1, unchanged: 0 });
  t.equal(await redis.exists(keys.huntGroupOf('0312340102')), 0, 'the dropped member is no longer indexed');
  t.equal((await features.huntGroupOf('0312345678'))?.id, 'reception');

  // Both numbers of reception move to a new group; reception takes a new line's number.
  r = await applyProvisioning(
    redis,
    config,
    site1(
      [
        { id: 'reception', pilot: '0312340101', members: ['0312340103'], mode: 'round-robin' },
        { id: 'back-office', pilot: '0312340102', members: ['0312345678'], presentation: 'own' },
      ],
      [{ sipId: 'phone-103', password: 'phone-103-secret', auth: 'digest', channels: 1, basicNumber: '0312340103' }],
    ),
  );
  t.same(r.huntGroups, { created: 1, updated: 1, unchanged: 0 });
  t.equal((await features.huntGroupOf('0312345678'))?.id, 'back-office', 'moved: removals are queued before writes');
  t.same(await features.huntGroupOf('0312340102'), {
    id: 'back-office',
    siteId: '1000001',
    pilot: '0312340102',
    members: ['0312345678'],
    mode: 'sequential',
    presentation: 'own',
  });
  t.equal((await features.huntGroupOf('0312340103'))?.id, 'reception');
  t.same((await redis.smembers(keys.siteHuntGroups('1000001'))).sort(), ['back-office', 'reception']);
});

t.test('routing sections replace the stored ones whole', async (t) => {
  let r = await applyProvisioning(redis, config, {
    routing: {
      peers: [{ name: 'carrier-b', addresses: ['127.0.0.4', '198.51.100.3'] }],
      outboundRoutes: [
        { name: 'mobile', prefix: '090', target: '127.0.0.1:5073', transport: 'tcp' },
        { name: 'carrier-a-out', prefix: '0', target: '127.0.0.1:5070' },
      ],
    },
  });
  t.same(r.peers, { created: 1, updated: 0, unchanged: 0, removed: 1 });
  t.same(r.outboundRoutes, { created: 1, updated: 0, unchanged: 1, removed: 0 });
  t.same(r.emergencyRoutes, noneRemoved, 'a section left out is kept');
  t.same(await routes.peerByAddress('198.51.100.3'), { name: 'carrier-b', addresses: ['127.0.0.4', '198.51.100.3'] }, 'the address moved to the new peer');
  t.same(Object.keys(await redis.hgetall(keys.peers)), ['carrier-b']);
  t.equal((await routes.outboundRoutes()).length, 2);
  t.equal((await routes.emergencyRoutes())[0]?.name, 'emergency');

  r = await applyProvisioning(redis, config, {
    routing: { peers: [{ name: 'carrier-b', addresses: ['127.0.0.4'] }], outboundRoutes: [], emergencyRoute: null },
  });
  t.same(r.peers, { created: 0, updated: 1, unchanged: 0, removed: 0 });
  t.same(r.outboundRoutes, { ...noneRemoved, removed: 2 });
  t.same(r.emergencyRoutes, { ...noneRemoved, removed: 1 }, 'the former emergencyRoute: null removes every emergency route');
  t.equal(await routes.peerByAddress('198.51.100.3'), null, 'a dropped address trusts no one');
  t.same(await routes.outboundRoutes(), []);
  t.same(await routes.emergencyRoutes(), []);

  // Now the address is free, a line may take it.
  r = await applyProvisioning(
    redis,
    config,
    oneLine({ sipId: 'gw-x', auth: 'ip', allowedAddresses: ['198.51.100.3'], channels: 1, basicNumber: '0312340009' }),
  );
  t.same(r.lines, { created: 1, updated: 0, unchanged: 0 });
});

t.test('trusted addresses: loopback refused unless the config allows it, by the provisioning command too', async (t) => {
  const doc = {
    voiceGroups: [
      {
        id: 'VGL',
        name: 'Loop',
        sites: [
          { id: '7000001', name: 'Loop', lines: [{ sipId: 'gw-loop', auth: 'ip', allowedAddresses: ['127.0.0.77'], channels: 1, basicNumber: '0377770001' }] },
        ],
      },
    ],
  };
  const file = join(tempDir('ss-it-prov-'), 'loop.yaml');
  writeFileSync(file, stringify(doc));
  const strict = await writeServerConfig({ redisUrl: server.url, keyPrefix: config.redis.keyPrefix, allowLoopbackAddresses: false });
  const refusedRun = await runCli('provision', ['--config', strict.file, file]);
  t.equal(refusedRun.code, 1, 'the default: refused');
  t.match(refusedRun.stderr, /voiceGroups\[0\]\.sites\[0\]\.lines\[0\]\.allowedAddresses\[0\]: a loopback address cannot be trusted/);
  t.equal(await redis.exists(keys.line('gw-loop')), 0, 'nothing applied');
  const rig = await writeServerConfig({ redisUrl: server.url, keyPrefix: config.redis.keyPrefix, allowLoopbackAddresses: true });
  const applied = await runCli('provision', ['--config', rig.file, file]);
  t.equal(applied.code, 0, applied.stderr);
  t.equal((await lines.byAddress('127.0.0.77'))?.sipId, 'gw-loop', 'with provisioning.allowLoopbackAddresses: true');
  const wild = structuredClone(doc);
  wild.voiceGroups[0]!.sites[0]!.lines[0]!.allowedAddresses = ['0.0.0.0'];
  writeFileSync(file, stringify(wild));
  const wildRun = await runCli('provision', ['--config', rig.file, file]);
  t.equal(wildRun.code, 1, 'a wildcard address is refused even there');
  t.match(wildRun.stderr, /allowedAddresses\[0\]: an unspecified/);
  t.equal((await lines.byAddress('127.0.0.77'))?.sipId, 'gw-loop', 'the line keeps its address');
});

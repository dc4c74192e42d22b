import { isAbsolute, join } from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, loadConfig, repoRoot } from '../../src/config/load.js';
import { issuesOf } from '../helpers/config-file.js';

/** Write a config file in a fresh dir and load it with only the given env. */
function load(t: Test, contents: string, env: NodeJS.ProcessEnv = {}, name = 'config.yaml') {
  const dir = t.testdir({ [name]: contents });
  return loadConfig({ file: join(dir, name), env });
}

t.test('the default file loads and matches the built-in defaults', async (t) => {
  const c = loadConfig({ env: {} });
  t.equal(c.sip.domain, 'softswitch.test');
  t.equal(c.sip.realm, 'softswitch.test', 'realm defaults to the domain');
  t.same(c.sip.listen, [
    { transport: 'udp', address: '0.0.0.0', port: 5060 },
    { transport: 'tcp', address: '0.0.0.0', port: 5060 },
  ]);
  t.same(c.registrar, { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContacts: 5 });
  t.same(c.auth, { nonceLifetime: 300, algorithms: ['MD5'] }, 'MD5 alone: the challenge every common client answers');
  t.equal(c.redis.url, undefined, 'no url: embedded Redis');
  t.equal(c.redis.keyPrefix, 'ss:');
  t.equal(c.redis.commandTimeout, 1000, 'a stalled Redis is an outage after 1 s');
  t.equal(c.redis.embedded.dataDir, join(repoRoot(), 'data/redis'), 'relative to the repo root');
  t.equal(c.provisioning.file, join(repoRoot(), 'config/example-provisioning.yaml'));
  t.equal(c.log.level, 'info');
  t.equal(c.log.summaryInterval, 10);
  t.equal(c.timeZone, 'Asia/Tokyo');
  t.match(c.nodeId, /-\d+$/, 'hostname-pid');
});

t.test('a small file is merged over the defaults', async (t) => {
  const c = load(t, 'sip:\n  domain: example.net\n  realm: voice\nregistrar:\n  maxContacts: 2\n');
  t.equal(c.sip.domain, 'example.net');
  t.equal(c.sip.realm, 'voice');
  t.equal(c.sip.listen.length, 2, 'listen still defaulted');
  t.equal(c.registrar.maxContacts, 2);
  t.equal(c.registrar.minExpires, 60);
});

t.test('JSON files load too', async (t) => {
  const c = load(t, JSON.stringify({ redis: { url: 'redis://127.0.0.1:6390', embedded: { dataDir: '/var/lib/x' } } }), {}, 'c.json');
  t.equal(c.redis.url, 'redis://127.0.0.1:6390');
  t.equal(c.redis.embedded.dataDir, '/var/lib/x', 'absolute paths kept');
  t.ok(isAbsolute(c.provisioning.file));
});

t.test('a bad value names its field', async (t) => {
  t.same(
    issuesOf(t, () => load(t, 'sip:\n  listen:\n    - { transport: udp, address: 127.0.0.1, port: 70000 }\n')),
    ['sip.listen[0].port: must be between 1 and 65535'],
  );
  t.match(
    issuesOf(t, () => load(t, 'sip:\n  listen:\n    - { transport: sctp, address: nope, port: 5060 }\n')),
    [/^sip\.listen\[0\]\.transport: /, /^sip\.listen\[0\]\.address: must be an IPv4 or IPv6 address/],
  );
  t.same(
    issuesOf(t, () => load(t, 'log:\n  level: loud\n')),
    ['log.level: must be one of fatal, error, warn, info, debug, trace, silent'],
  );
  t.same(
    issuesOf(t, () => load(t, 'timeZone: Mars/Olympus\n')),
    ['timeZone: must be an IANA time zone such as Asia/Tokyo'],
  );
  t.same(
    issuesOf(t, () => load(t, 'auth:\n  nonceSecret: short\n')),
    ['auth.nonceSecret: must be at least 32 characters'],
  );
  t.same(
    issuesOf(t, () => load(t, 'auth:\n  algorithms: [MD5, MD5]\n')),
    ['auth.algorithms: must not repeat an algorithm'],
  );
  t.same(
    issuesOf(t, () => load(t, 'redis:\n  url: http://x\n')),
    ['redis.url: must be a redis://, rediss:// or unix: URL'],
  );
  t.same(
    issuesOf(t, () => load(t, 'registrar:\n  maxContacts: "5"\n')),
    ['registrar.maxContacts: must be a number'],
  );
  t.same(
    issuesOf(t, () => load(t, 'sip:\n  listen: []\n')),
    ['sip.listen: must list at least one address'],
  );
  t.same(
    issuesOf(t, () => load(t, 'redis:\n  commandTimeout: 0\n')),
    ['redis.commandTimeout: must be between 50 and 60000'],
  );
  t.same(
    issuesOf(t, () => load(t, 'redis:\n  keyPrefix: "ss{x}:"\n')),
    ['redis.keyPrefix: must not contain { or }'],
  );
  t.same(
    issuesOf(t, () => load(t, 'redis:\n  cluster: [http://x]\n')),
    ['redis.cluster[0]: must be a redis:// or rediss:// URL'],
  );
  t.same(
    issuesOf(t, () => load(t, 'redis:\n  cluster: []\n')),
    ['redis.cluster: must list at least one node'],
  );
  t.same(
    issuesOf(t, () => load(t, 'log:\n  summaryInterval: 0\n')),
    ['log.summaryInterval: must be between 1 and 3600'],
  );
});

t.test('unknown keys are refused by name', async (t) => {
  t.same(
    issuesOf(t, () => load(t, 'sip:\n  domian: x.test\nregistar: {}\n')),
    ['sip.domian: unknown field', 'registar: unknown field'],
  );
});

t.test('every problem is reported at once', async (t) => {
  const issues = issuesOf(t, () => load(t, 'log: { level: loud }\nregistrar: { maxContacts: 0 }\n', { SIP_PORT: 'x' }));
  t.equal(issues.length, 3, issues.join('; '));
});

t.test('cross-field checks', async (t) => {
  t.same(
    issuesOf(t, () => load(t, 'registrar: { minExpires: 600, defaultExpires: 300 }\n')),
    ['registrar.defaultExpires: must be between minExpires (600) and maxExpires (3600)'],
  );
  t.same(
    issuesOf(t, () => load(t, 'registrar: { defaultExpires: 7200 }\n')),
    ['registrar.defaultExpires: must be between minExpires (60) and maxExpires (3600)'],
  );
  t.same(
    issuesOf(t, () => load(t, 'registrar: { minExpires: 4000, maxExpires: 3000, defaultExpires: 3500 }\n')),
    ['registrar.minExpires: must not exceed maxExpires (3000)'],
  );
  t.same(
    issuesOf(t, () =>
      load(
        t,
        [
          'sip:',
          '  listen:',
          '    - { transport: udp, address: 127.0.0.1, port: 5070 }',
          '    - { transport: tcp, address: 127.0.0.1, port: 5070 }',
          '    - { transport: udp, address: 127.0.0.1, port: 5070 }',
          '',
        ].join('\n'),
      ),
    ),
    ['sip.listen[2]: duplicate of sip.listen[0] (udp 127.0.0.1:5070)'],
  );
  const ok = load(t, 'registrar: { minExpires: 30, defaultExpires: 30, maxExpires: 30 }\n');
  t.equal(ok.registrar.defaultExpires, 30, 'equal bounds are fine');
});

t.test('environment overrides', async (t) => {
  const c = load(t, 'sip:\n  listen:\n    - { transport: udp, address: 0.0.0.0, port: 5060 }\n', {
    REDIS_URL: 'redis://127.0.0.1:6399/2',
    LOG_LEVEL: 'debug',
    SIP_DOMAIN: 'env.test',
    SIP_REALM: 'env-realm',
    SIP_PORT: '5099',
    SIP_ADDRESS: '127.0.0.1',
    NODE_ID: 'node-a',
    NONCE_SECRET: 'x'.repeat(40),
  });
  t.equal(c.redis.url, 'redis://127.0.0.1:6399/2');
  t.equal(c.log.level, 'debug');
  t.equal(c.sip.domain, 'env.test');
  t.equal(c.sip.realm, 'env-realm');
  t.same(c.sip.listen, [{ transport: 'udp', address: '127.0.0.1', port: 5099 }]);
  t.equal(c.nodeId, 'node-a');
  t.equal(c.auth.nonceSecret, 'x'.repeat(40));

  const d = loadConfig({ env: { SIP_PORT: '5098' } });
  t.same(
    d.sip.listen.map((l) => l.port),
    [5098, 5098],
    'applies to the default listen entries too',
  );
  t.same(loadConfig({ env: { AUTH_ALGORITHMS: 'md5, sha-256' } }).auth.algorithms, ['MD5', 'SHA-256'], 'AUTH_ALGORITHMS sets the offer order');
  const e = load(t, 'sip: { domain: file.test }\n', { SIP_DOMAIN: '' });
  t.equal(e.sip.domain, 'file.test', 'an empty variable is ignored');
});

t.test('a bad env value is named by its variable', async (t) => {
  t.same(
    issuesOf(t, () => loadConfig({ env: { SIP_PORT: '0' } })),
    ['SIP_PORT: must be between 1 and 65535'],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { SIP_PORT: '50x' } })),
    ['SIP_PORT: must be between 1 and 65535'],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { SIP_ADDRESS: 'localhost' } })),
    ['SIP_ADDRESS: must be an IPv4 or IPv6 address'],
  );
  t.match(
    issuesOf(t, () => loadConfig({ env: { LOG_LEVEL: 'chatty' } })),
    [/^LOG_LEVEL: must be one of/],
  );
  t.match(
    issuesOf(t, () => loadConfig({ env: { REDIS_URL: 'localhost:6379' } })),
    [/^REDIS_URL: /],
  );
  t.match(
    issuesOf(t, () => loadConfig({ env: { NONCE_SECRET: 'abc' } })),
    [/^NONCE_SECRET: must be at least 32/],
  );
  t.match(
    issuesOf(t, () => loadConfig({ env: { AUTH_ALGORITHMS: 'MD5,SHA-1' } })),
    [/^AUTH_ALGORITHMS: must be SHA-256 or MD5/],
  );
});

t.test('file selection', async (t) => {
  const dir = t.testdir({ 'x.yaml': 'sip: { domain: chosen.test }\n', 'bad.yaml': 'sip: [unclosed\n' });
  t.equal(loadConfig({ env: { SOFTSWITCH_CONFIG: join(dir, 'x.yaml') } }).sip.domain, 'chosen.test', 'SOFTSWITCH_CONFIG');
  t.match(
    issuesOf(t, () => loadConfig({ file: join(dir, 'missing.yaml'), env: {} })),
    [/config file not found/],
  );
  t.match(
    issuesOf(t, () => loadConfig({ file: join(dir, 'bad.yaml'), env: {} })),
    [/cannot parse/],
  );
});

t.test('ConfigError message lists every issue', async (t) => {
  const err = new ConfigError(['a: x', 'b: y'], 'f.yaml');
  t.match(err.message, /f\.yaml[\s\S]*a: x[\s\S]*b: y/);
});

t.test('a ws listener: accepted, not on the TCP port, left alone by SIP_PORT', async (t) => {
  const listen = (extra: string) =>
    [
      'sip:',
      '  listen:',
      '    - { transport: udp, address: 127.0.0.1, port: 5070 }',
      '    - { transport: tcp, address: 127.0.0.1, port: 5070 }',
      extra,
      '',
    ].join('\n');
  const c = load(t, listen('    - { transport: ws, address: 127.0.0.1, port: 8088 }'), { SIP_PORT: '5080' });
  t.same(
    c.sip.listen.map((l) => `${l.transport} ${l.port}`),
    ['udp 5080', 'tcp 5080', 'ws 8088'],
  );
  t.same(
    issuesOf(t, () => load(t, listen('    - { transport: ws, address: 127.0.0.1, port: 5070 }'))),
    ['sip.listen[2]: same TCP port as sip.listen[1] (tcp 127.0.0.1:5070)'],
  );
  t.same(
    issuesOf(t, () => load(t, listen('    - { transport: sctp, address: 127.0.0.1, port: 8089 }'))),
    ['sip.listen[2].transport: must be udp, tcp, tls, ws or wss'],
  );
});

t.test('portal: on by default (when the API runs), no accounts by default; the example accounts load', async (t) => {
  const c = loadConfig({ env: {} });
  t.equal(c.api.portal, true);
  t.same(c.api.accounts, [], 'no customer account unless configured');
  t.equal(c.api.operator, undefined, 'and no API at all without an operator password');
  const example = loadConfig({ file: join(repoRoot(), 'config/example-portal.yaml'), env: {} });
  t.same(
    example.api.accounts.map((a) => a.role),
    ['voice-group-admin', 'site-admin', 'number-user'],
  );
  t.equal(example.api.address, '127.0.0.1', 'loopback');
});

t.test('configured accounts: the password policy and customer roles only, named by field', async (t) => {
  t.same(
    issuesOf(t, () => load(t, 'api:\n  accounts:\n    - { name: a-user, password: Pw1, role: number-user, number: "0312345678" }\n')),
    ['api.accounts[0].password: must be 8-40 characters with letters and digits'],
  );
  t.match(
    issuesOf(t, () => load(t, 'api:\n  accounts:\n    - { name: root2, password: Operator1234, role: operator }\n')),
    [/^api\.accounts\[0\]\.role: /],
    'operators come only from api.operator',
  );
});

t.test('metrics and shutdown: on, on loopback, 30 s drain by default; env overrides; bad values named', async (t) => {
  const c = loadConfig({ env: {} });
  t.same(c.metrics, { enabled: true, address: '127.0.0.1', port: 9464 }, 'the monitoring listener is on, on loopback');
  t.same(c.shutdown, { drainSeconds: 30 });
  const e = loadConfig({ env: { METRICS_ADDRESS: '0.0.0.0', METRICS_PORT: '9500' } });
  t.same(e.metrics, { enabled: true, address: '0.0.0.0', port: 9500 }, 'METRICS_ADDRESS, METRICS_PORT');
  t.same(
    issuesOf(t, () => load(t, 'metrics:\n  address: localhost\n  port: 0\n  enabled: yes-please\nshutdown:\n  drainSeconds: 7200\n')),
    [
      'metrics.enabled: must be true or false',
      'metrics.address: must be an IPv4 or IPv6 address',
      'metrics.port: must be between 1 and 65535',
      'shutdown.drainSeconds: must be between 0 and 3600',
    ],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { METRICS_PORT: 'x' } })),
    ['METRICS_PORT: must be between 1 and 65535'],
  );
  t.same(load(t, 'metrics:\n  enabled: false\n').metrics.enabled, false, 'can be switched off');
});

t.test('workers: auto (one per core) by default, a number, or WORKERS', async (t) => {
  t.equal(loadConfig({ env: {} }).workers, 'auto', 'default.yaml and the built-in default: one per core');
  t.equal(load(t, 'workers: 3\n').workers, 3);
  t.equal(load(t, 'workers: 1\n').workers, 1, 'one process, as before workers existed');
  t.equal(load(t, 'workers: 3\n', { WORKERS: '2' }).workers, 2, 'WORKERS overrides the file');
  t.equal(load(t, 'workers: 3\n', { WORKERS: 'auto' }).workers, 'auto');
  t.same(
    issuesOf(t, () => load(t, 'workers: 0\n')),
    ['workers: must be between 1 and 256'],
  );
  t.same(
    issuesOf(t, () => load(t, 'workers: many\n')),
    ['workers: must be auto or a whole number from 1 to 256'],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { WORKERS: 'lots' } })),
    ['WORKERS: must be auto or a whole number from 1 to 256'],
  );
});

t.test('udpSteering: dialog by default, source, or UDP_STEERING', async (t) => {
  t.equal(loadConfig({ env: {} }).udpSteering, 'dialog', 'default.yaml and the built-in default');
  t.equal(load(t, 'udpSteering: source\n').udpSteering, 'source');
  t.equal(load(t, 'udpSteering: source\n', { UDP_STEERING: 'dialog' }).udpSteering, 'dialog', 'UDP_STEERING overrides the file');
  t.same(
    issuesOf(t, () => load(t, 'udpSteering: call-id\n')),
    ['udpSteering: must be dialog or source'],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { UDP_STEERING: 'random' } })),
    ['UDP_STEERING: must be dialog or source'],
  );
});

t.test('udpGatherSeconds: 0 (always spread) by default, a number of seconds, or UDP_GATHER_SECONDS', async (t) => {
  t.equal(loadConfig({ env: {} }).udpGatherSeconds, 0);
  t.equal(load(t, 'udpGatherSeconds: 10\n').udpGatherSeconds, 10);
  t.equal(load(t, 'udpGatherSeconds: 10\n', { UDP_GATHER_SECONDS: '30' }).udpGatherSeconds, 30, 'UDP_GATHER_SECONDS overrides the file');
  t.same(
    issuesOf(t, () => load(t, 'udpGatherSeconds: -1\n')),
    ['udpGatherSeconds: must be between 0 and 3600'],
  );
  t.same(
    issuesOf(t, () => loadConfig({ env: { UDP_GATHER_SECONDS: 'soon' } })),
    ['UDP_GATHER_SECONDS: must be a number'],
  );
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { latencyLine } from '../../../bench/lib/calls-report.js';
import { readKamailioTemplate, renderKamailioConfig, usrlocBlock } from '../../../bench/lib/kamailio.js';
import { pauses, summarizeLatency } from '../../../bench/lib/latency.js';
import { cpuCell, cpuLine, prepareLoad } from '../../../bench/lib/measure.js';
import { repoRoot } from '../../../bench/lib/paths.js';
import { cpuPercent, cpuTimes, parseProcStat, startManaged } from '../../../bench/lib/proc.js';
import { parseInfoField } from '../../../bench/lib/redis.js';
import { benchBinding } from '../../../bench/lib/scale-store.js';
import { parseSippStats } from '../../../bench/lib/sipp.js';
import { provisioningDocs, serverEnv } from '../../../bench/lib/softswitch.js';
import { formatTable, jsonLine, JSON_LINE_PREFIX, ratios } from '../../../bench/lib/summary.js';
import {
  MAX_SIPP_SOCKETS,
  parseModes,
  parseTargets,
  registerLoadArgs,
  REGISTER_SIPP_ARGS,
  SOCKET_MODES,
  socketModeArgs,
  TRUNK_ADDRESS_FIELD,
  trunkSocketsProblem,
  TWO_SOCKET_MODES,
} from '../../../bench/lib/targets.js';
import { contactPort, makeUsers, MAX_USERS, sippUsersCsv, trunkAddress } from '../../../bench/lib/users.js';
import { parseProvisioning } from '../../../src/provisioning/schema.js';
import { normalizeContactKey } from '../../../src/registrar/binding-rules.js';

t.test('cpuTimes reads a live process, the kernel part within the whole, and zeros for a process gone', async (t) => {
  let x = 0;
  for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
  t.ok(x > 0);
  const mine = cpuTimes(process.pid);
  t.ok(mine.cpuSec > 0, 'this test process has used CPU');
  t.ok(mine.kernelSec >= 0 && mine.kernelSec <= mine.cpuSec, 'the kernel part is part of the whole');
  t.same(cpuTimes(2 ** 30), { cpuSec: 0, kernelSec: 0 });
});

t.test('the CPU line and table cell give the kernel part, and mark a step that did not hold its rate', async (t) => {
  const held = { rate: 250, durationSec: 10, serverPercent: 24, serverKernelPercent: 9, storePercent: 3, held: true };
  t.equal(cpuLine(held, '/s'), 'CPU at 250/s for 10 s: server 24% of a core (9% in the kernel), its redis 3%');
  t.equal(cpuCell(held), '24% (k 9%)');
  const missed = { rate: 100, durationSec: 5, serverPercent: 40.4, held: false };
  t.equal(cpuLine(missed, ' calls/s'), 'CPU at 100 calls/s for 5 s: server 40% of a core (rate NOT held)');
  t.equal(cpuCell(missed), '40%*');
  t.equal(cpuCell(undefined), '-');
});

t.test('parseProcStat reads the parent pid, utime + stime and stime alone, whatever the command name holds', async (t) => {
  // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
  const stat = '4242 (node (worker) 1) S 4200 4242 4200 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 12345 0 0\n';
  t.same(parseProcStat(stat), { ppid: 4200, cpuSec: 3, kernelSec: 0.5 });
  t.same(parseProcStat(stat, 1000), { ppid: 4200, cpuSec: 0.3, kernelSec: 0.05 });
  t.equal(parseProcStat('garbage'), undefined);
  t.equal(parseProcStat('1 (x) S'), undefined, 'too few fields');
  t.equal(cpuPercent(10, 11.5, 3), 50);
  t.equal(cpuPercent(10, 11, 0), 0);
});

t.test('summarizeLatency gives p50, p99, p99.9 and the maximum (nearest rank)', async (t) => {
  const calls = Array.from({ length: 1000 }, (_, i) => ({ inMs: i * 10, outMs: i * 10 + (i + 1) / 100 })); // 0.01 .. 10 ms
  const s = summarizeLatency(calls);
  t.equal(s.calls, 1000);
  t.equal(s.p50Ms, 5);
  t.equal(s.p99Ms, 9.9);
  t.equal(s.p999Ms, 9.99);
  t.equal(s.maxMs, 10);
  t.equal(s.overThreshold, 0);
  t.equal(s.pauses, 0);
  t.same(summarizeLatency([]), { calls: 0, overThreshold: 0, pauses: 0, longestPauseMs: 0 });
});

t.test('pauses: overlapping waits over the threshold are one pause; a wait of exactly the threshold is none', async (t) => {
  const calls = [
    { inMs: 0, outMs: 1 },
    // one stall: three INVITEs held until 300
    { inMs: 100, outMs: 300 },
    { inMs: 150, outMs: 300 },
    { inMs: 240, outMs: 301 },
    { inMs: 305, outMs: 306 },
    // a second, separate stall
    { inMs: 1000, outMs: 1080 },
    { inMs: 2000, outMs: 2050 }, // exactly 50 ms: not over
  ];
  t.same(pauses(calls), { count: 2, longestMs: 201 });
  t.same(pauses(calls, 100), { count: 1, longestMs: 200 });
  const s = summarizeLatency(calls);
  t.equal(s.overThreshold, 4);
  t.equal(s.pauses, 2);
  t.equal(s.maxMs, 200);
});

t.test('parseSippStats reads the last row of a -trace_stat file by column name', async (t) => {
  const head = 'StartTime;LastResetTime;CurrentTime;SuccessfulCall(C);FailedCall(C);TotalCallCreated;Retransmissions(C);CallRate(C)';
  const row = (now: string, ok: number) => `2026-11-29\t07:00:00.000000\t1000.5;x;2026-11-29\t07:00:05.000000\t${now};${ok};2;${ok + 2};7;99.5`;
  const s = parseSippStats([head, row('1003.5', 10), row('1005.75', 500), ''].join('\n'));
  t.same(s, { successful: 500, failed: 2, created: 502, retransmissions: 7, elapsedSec: 5.25, callRate: 99.5 });
  t.equal(parseSippStats(head), undefined, 'no data row');
  t.throws(() => parseSippStats('A;B\n1;2\n'), /no column/);
});

t.test('Kamailio usrloc: in memory, or written through to Redis with db_redis', async (t) => {
  t.equal(usrlocBlock(undefined), 'modparam("usrloc", "db_mode", 0)');
  const redis = usrlocBlock('redis://127.0.0.1:6390/0');
  t.match(redis, /loadmodule "db_redis.so"/);
  t.match(redis, /modparam\("usrloc", "db_mode", 1\)/);
  t.match(redis, /modparam\("usrloc", "db_url", "redis:\/\/127.0.0.1:6390\/0"\)/);
  t.match(redis, /schema_path", "\/usr\/share\/kamailio\/db_redis\/kamailio"/);
  t.match(redis, /location=entry:ruid&usrdom:username&/, 'keyed by username alone: usrloc runs without use_domain');

  const root = repoRoot();
  for (const name of ['kamailio.cfg', 'kamailio-calls.cfg']) {
    const template = await readKamailioTemplate(root, name);
    const params = { port: 5999, realm: 'bench.test', dbDir: '/tmp/db', children: 2 };
    const memory = renderKamailioConfig(template, params);
    t.match(memory, /db_mode", 0/, `${name}: memory`);
    t.notMatch(memory, /loadmodule "db_redis.so"/);
    const written = renderKamailioConfig(template, { ...params, usrlocRedisUrl: 'redis://127.0.0.1:6390/0' });
    t.match(written, /db_mode", 1/, `${name}: write-through`);
    // db_redis is loaded before its parameters are set.
    t.ok(written.indexOf('loadmodule "db_redis.so"') < written.indexOf('modparam("db_redis"'));
  }
  t.throws(() => renderKamailioConfig('listen=__PORT__ __OTHER__', { port: 1, realm: 'r', dbDir: 'd', children: 1 }), /__OTHER__ not filled/);
});

t.test('targets and socket modes', async (t) => {
  t.same(parseTargets(undefined), ['kamailio', 'kamailio-redis', 'softswitch']);
  t.same(parseTargets('softswitch,kamailio'), ['kamailio', 'softswitch'], 'in the fixed order');
  t.throws(() => parseTargets('kamailio,asterisk'), /asterisk/);
  t.same(parseModes(undefined, SOCKET_MODES), ['single', 'multi'], 'both by default, as before trunks mode');
  t.same(parseModes('both', SOCKET_MODES), ['single', 'multi']);
  t.same(parseModes('multi', SOCKET_MODES), ['multi']);
  t.same(parseModes('trunks', SOCKET_MODES), ['trunks']);
  t.same(parseModes('all', SOCKET_MODES), ['single', 'multi', 'trunks']);
  t.throws(() => parseModes('many', SOCKET_MODES), /--mode must be single, multi, trunks, both, all/);
  // bench:calls and bench:scale offer two modes: trunks is refused, all is single and multi.
  t.same(parseModes('all', TWO_SOCKET_MODES), ['single', 'multi']);
  t.same(parseModes(undefined, TWO_SOCKET_MODES), ['single', 'multi']);
  t.throws(() => parseModes('trunks', TWO_SOCKET_MODES), /--mode must be single, multi, both, all; got "trunks"/);
  t.same(socketModeArgs('single'), []);
  t.same(socketModeArgs('multi').slice(0, 2), ['-t', 'un']);
});

t.test("trunks mode: SIPp -t ui takes each registration's local address from the injection file", async (t) => {
  t.same(socketModeArgs('trunks'), ['-t', 'ui', '-ip_field', '3', '-max_socket', String(MAX_SIPP_SOCKETS)]);
  t.equal(TRUNK_ADDRESS_FIELD, 3, 'field3 of test/sipp/bench-register-trunks.xml');
  t.same(registerLoadArgs('trunks'), [...REGISTER_SIPP_ARGS, ...socketModeArgs('trunks')]);
  // A socket per line in each SIPp process.
  t.equal(trunkSocketsProblem(MAX_SIPP_SOCKETS, 1), undefined);
  t.match(trunkSocketsProblem(MAX_SIPP_SOCKETS + 1, 1), /15001 lines per SIPp process is over 15000/);
  t.equal(trunkSocketsProblem(2 * MAX_SIPP_SOCKETS, 2), undefined, 'split over two processes');
});

t.test('trunkAddress: each line its own loopback address, never 127.0.0.x, no .0 or .255', async (t) => {
  t.equal(trunkAddress(0), '127.1.0.1');
  t.equal(trunkAddress(253), '127.1.0.254');
  t.equal(trunkAddress(254), '127.1.1.1', 'the next /24 after 254 addresses');
  t.equal(trunkAddress(254 * 256), '127.2.0.1', 'the next /16');
  t.equal(trunkAddress(MAX_USERS - 1), '127.4.19.102');
  t.throws(() => trunkAddress(-1), /trunk index/);
  t.throws(() => trunkAddress(MAX_USERS), /trunk index/);
  t.throws(() => trunkAddress(1.5), /trunk index/);
  const seen = new Set<string>();
  for (let k = 0; k < MAX_USERS; k++) {
    const a = trunkAddress(k);
    const o = a.split('.').map(Number);
    if (o[0] !== 127 || o[1]! < 1 || o[2]! > 255 || o[3]! < 1 || o[3]! > 254) t.fail(`${a} out of range`);
    seen.add(a);
  }
  t.equal(seen.size, MAX_USERS, 'all distinct');
});

t.test('REGISTER runs: SIPp sends no BYE for an aborted registration, in either socket mode', async (t) => {
  t.same(REGISTER_SIPP_ARGS, ['-default_behaviors', 'all,-bye'], 'every default behaviour but the BYE');
  t.same(registerLoadArgs('single'), REGISTER_SIPP_ARGS);
  t.same(registerLoadArgs('multi'), [...REGISTER_SIPP_ARGS, ...socketModeArgs('multi')], 'and the socket per registration');
});

t.test('ratios: softswitch over each reference, per socket mode', async (t) => {
  const r = ratios([
    { target: 'kamailio', mode: 'single', best: 4000 },
    { target: 'kamailio-redis', mode: 'single', best: 3000 },
    { target: 'softswitch', mode: 'single', best: 1000 },
    { target: 'kamailio', mode: 'multi', best: 0 },
    { target: 'softswitch', mode: 'multi', best: 500 },
  ]);
  t.same(r, [
    { mode: 'single', reference: 'kamailio', ratio: 0.25 },
    { mode: 'single', reference: 'kamailio-redis', ratio: 0.33 },
    { mode: 'multi', reference: 'kamailio', ratio: null },
    { mode: 'multi', reference: 'kamailio-redis', ratio: null },
  ]);
});

t.test('formatTable and the JSON line', async (t) => {
  const table = formatTable(
    ['target', 'calls/s'],
    [
      ['kamailio', '4000'],
      ['softswitch', '12'],
    ],
  );
  t.equal(table, ['  target      calls/s', '  ----------  -------', '  kamailio       4000', '  softswitch       12'].join('\n'));
  const line = jsonLine({ bench: 'calls', held: [1] });
  t.ok(line.startsWith(JSON_LINE_PREFIX));
  t.notMatch(line, /\n/);
  t.same(JSON.parse(line.slice(JSON_LINE_PREFIX.length)), { bench: 'calls', held: [1] });
});

t.test('multi-socket users: each line its own Contact port, by its index among all users', async (t) => {
  const users = makeUsers(3);
  t.equal(sippUsersCsv(users, 'bench.test'), 'SEQUENTIAL\nu0001;pw-0001-secret;bench.test\nu0002;pw-0002-secret;bench.test\nu0003;pw-0003-secret;bench.test\n');
  t.equal(sippUsersCsv(users.slice(0, 1), 'b', { contactPorts: [10007] }), 'SEQUENTIAL\nu0001;pw-0001-secret;b;10007\n');
  t.equal(contactPort(0), 10000);
  t.equal(contactPort(50001), 10001, 'stays a valid port for 100,000 lines');
  t.equal(makeUsers(100000)[99999]!.sipId, 'u100000');

  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const plan = await prepareLoad({
    scenario: 's.xml',
    workDir: dir,
    durationSec: 1,
    users,
    domain: 'b',
    sippProcs: 2,
    contactPorts: true,
    localPorts: [7001, 7002],
    extraArgs: ['-t', 'un'],
  });
  t.same(plan.localPorts, [7001, 7002]);
  t.same(plan.extraArgs, ['-t', 'un']);
  t.equal(await readFile(plan.csvFiles[0]!, 'utf8'), 'SEQUENTIAL\nu0001;pw-0001-secret;b;10000\nu0003;pw-0003-secret;b;10002\n');
  t.equal(await readFile(plan.csvFiles[1]!, 'utf8'), 'SEQUENTIAL\nu0002;pw-0002-secret;b;10001\n');
});

t.test("trunks users: each line its own source address (by its index among all users) and its process's port", async (t) => {
  const users = makeUsers(3);
  t.equal(
    sippUsersCsv(users.slice(0, 2), 'b', {
      trunkSources: [
        { address: '127.1.0.1', port: 7001 },
        { address: '127.1.0.2', port: 7001 },
      ],
    }),
    'SEQUENTIAL\nu0001;pw-0001-secret;b;127.1.0.1;7001\nu0002;pw-0002-secret;b;127.1.0.2;7001\n',
  );
  t.throws(() => sippUsersCsv(users, 'b', { trunkSources: [] }), /no trunk source for row 0/);

  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const plan = await prepareLoad({
    scenario: 's.xml',
    workDir: dir,
    durationSec: 1,
    users,
    domain: 'b',
    sippProcs: 2,
    trunkSources: true,
    localPorts: [7001, 7002],
    extraArgs: socketModeArgs('trunks'),
  });
  t.match(plan.csvFiles[0], /users-0-trunks\.csv$/, "its own file, apart from the other modes' plans");
  t.equal(await readFile(plan.csvFiles[0]!, 'utf8'), 'SEQUENTIAL\nu0001;pw-0001-secret;b;127.1.0.1;7001\nu0003;pw-0003-secret;b;127.1.0.3;7001\n');
  t.equal(await readFile(plan.csvFiles[1]!, 'utf8'), 'SEQUENTIAL\nu0002;pw-0002-secret;b;127.1.0.2;7002\n');
});

t.test('bench:scale bindings match what the multi-socket REGISTER refreshes', async (t) => {
  const [user] = makeUsers(1);
  const b = benchBinding(user!, 5, 1_000_000);
  // The Contact test/sipp/bench-register-many.xml sends for this line: the same binding key, so a REGISTER refreshes it.
  t.equal(b.key, normalizeContactKey(`sip:u0001@127.0.0.1:${contactPort(5)};transport=UDP`));
  t.equal(b.expiresAt, 1_000_000 + 3_600_000);
  t.match(b.source, { transport: 'UDP', address: '127.0.0.1', port: contactPort(5) });
});

t.test('redis INFO fields and the server environment', async (t) => {
  const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_rss:2000\r\n';
  t.equal(parseInfoField(info, 'used_memory'), 1048576);
  t.equal(parseInfoField(info, 'used_memory_rss'), 2000);
  t.equal(parseInfoField(info, 'maxmemory'), undefined);
  t.equal(serverEnv(4, { PATH: '/bin' }).WORKERS, '4');
  t.equal(serverEnv(undefined, { PATH: '/bin' }).WORKERS, undefined);
});

t.test('bench:scale provisions in several files, each its own site, every line once', async (t) => {
  const users = makeUsers(5);
  const docs = provisioningDocs(users, 2);
  t.equal(docs.length, 3);
  const parsed = docs.map((d) => parseProvisioning(d, { allowLoopback: true }));
  t.same(
    parsed.map((p) => p.voiceGroups[0]!.sites[0]!.id),
    ['9000001', '9000002', '9000003'],
  );
  t.same(
    parsed.flatMap((p) => p.voiceGroups[0]!.sites[0]!.lines.map((l) => l.sipId)),
    users.map((u) => u.sipId),
  );
});

t.test('the latency line of bench:calls names the share, the percentiles, the maximum and the pauses', async (t) => {
  const step = { target: 50, successful: 250, failed: 0, retransmissions: 0, udpDrops: 0, achieved: 50, held: true, sippCpu: 3, targetCpu: 9 };
  const summary = summarizeLatency([
    { inMs: 0, outMs: 0.5 },
    { inMs: 10, outMs: 90 },
  ]);
  const line = latencyLine({ share: 0.5, rate: 50, step, summary, notForwarded: 0 }, 10);
  t.match(line, /^latency at 50\/s \(half of held\) for 10 s: 2 calls/);
  t.match(line, /p50 0\.50 ms, p99 80\.00 ms, p99\.9 80\.00 ms, max 80\.00 ms; 1 INVITEs over 50 ms in 1 pause\(s\)$/);
  t.match(
    latencyLine({ share: 0.25, rate: 10, step: { ...step, held: false }, summary, notForwarded: 0, kernelDrops: 3 }, 5),
    /quarter of held.*NOT held.*capture dropped 3/,
  );
});

t.test('startManaged writes the whole output of a child to its log file, and keeps the tails', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bench-log-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'server.log');
  const script = "for (let i = 0; i < 100; i++) console.log('line ' + i); console.error('on stderr');";
  const child = startManaged('child', process.execPath, ['-e', script], { logFile });
  t.same(await child.exited, { code: 0, signal: null });
  // The file is written as the pipes drain: read until it holds the last line (at most 2 s).
  let written: string[] = [];
  for (let tries = 0; tries < 40 && !(written.includes('line 99') && written.includes('on stderr')); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    written = (await readFile(logFile, 'utf8')).split('\n').filter((l) => l.length > 0);
  }
  t.equal(written.filter((l) => l.startsWith('line ')).length, 100, 'every stdout line, not only the tail');
  t.ok(written.includes('on stderr'), 'and stderr');
  t.ok(child.stdout.text().split('\n').length <= 40, 'the tail keeps the last lines only');
  t.match(child.stdout.text(), /line 99$/);
});

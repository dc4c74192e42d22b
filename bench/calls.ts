/**
 * `npm run bench:calls`: calls per second (INVITE, 180, 200, ACK, BYE) through
 * the softswitch with every feature stage active, against Kamailio doing plain
 * record-routed lookup-and-relay (bindings in memory, and written through to
 * Redis), on the same SIPp scenarios in the same run, with the callers on one
 * socket each and with a socket per call (-t un). Prints the highest rate each
 * held with no failed call, the ratios, the added latency (INVITE in to
 * INVITE out: p50/p99/p99.9/max and pauses over 50 ms) at a quarter and at
 * half of that rate from a tcpdump capture on lo, and each target's CPU at a
 * fixed 100 calls/s. Traffic goes to 127.0.0.0/8 only; every SIPp run is
 * bounded in count and time.
 *
 *   node dist/bench/calls.js [--quick] [--only kamailio,kamailio-redis,softswitch]
 *     [--mode single|multi|both] [--callees 100] [--duration 5] [--rates 50,100,...]
 *     [--refine 2] [--retries 1] [--sipp 1] [--hold 50] [--latency-duration 10]
 *     [--cpu-rate 100] [--cpu-duration 10] [--kamailio-children 2]
 *     [--kamailio-shm 1024] [--server-log warn] [--server-node-args ARGS]
 *     [--workers N] [--records on|off|both] [--max-queue-delay MS] [--warmup S] [--keep]
 *
 * Kamailio keeps every transaction (and, for INVITEs, its wait timer) in
 * shared memory: with 128 MB it runs out near 1000 calls/s and answers 500,
 * so the calls bench gives it 1 GB.
 *
 * --records both runs the softswitch a second time with `cdr.enabled: false`
 * and prints what writing call detail records costs in calls/s (on, the
 * server's default, when not given).
 *
 * Before the climb, each target takes a warm-up (--warmup S seconds at 100,
 * 200 and 400 calls/s, not counted; 0: none; bench/lib/report.ts warmUp).
 *
 * --max-queue-delay MS sets the softswitch's overload.maxQueueDelay (0: no
 * load shedding; docs/performance.md "Past capacity"): past its capacity a
 * softswitch with shedding answers a share of new INVITEs 503 and keeps the
 * rest going, so its steps past capacity show failed calls but completed
 * calls near capacity.
 *
 * --server-log info (with a low --rates) shows the softswitch's last log lines,
 * e.g. the call.decision event of each feature stage; --server-node-args
 * passes node options to the server (--server-node-args="--trace-gc --trace-gc-ignore-scavenger").
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupStack, intOpt, writeReport } from './lib/cli.js';
import { runModes, type Running } from './lib/calls-modes.js';
import { printCallsResult, printTail, type ModeCalls, type TargetResult } from './lib/calls-report.js';
import { registerCallees, type Callee } from './lib/calls-run.js';
import { callerCsv, calleesByNumber, callsProvisioningDoc, makeTrunks, STAGE_SETTINGS, TRUNK_CHANNELS } from './lib/calls-setup.js';
import { countCallRecords, ensureCallFeatures } from './lib/calls-store.js';
import { dbRedisMissing, kamailioVersion, readKamailioTemplate, startKamailio } from './lib/kamailio.js';
import type { LoadPlan } from './lib/measure.js';
import { repoRoot, runningUnderTsx } from './lib/paths.js';
import { freeTcpPort, freeUdpPort, placeProcesses } from './lib/proc.js';
import { redisKeyCount, startRedis } from './lib/redis.js';
import { HELD_SHARE, parseLadder } from './lib/search.js';
import { softswitchMissing, startSoftswitch, waitReady } from './lib/softswitch.js';
import { jsonLine } from './lib/summary.js';
import { parseModes, parseTargets, socketModeArgs, TWO_SOCKET_MODES, type TwoSocketMode } from './lib/targets.js';
import { makeUsers } from './lib/users.js';
import { describePlacement, PLACEMENT_HELP, PLACEMENT_OPTIONS, PLACEMENT_USAGE, placementFromOptions } from './lib/placement.js';

const DOMAIN = 'bench.test';
const SITE_ID = '9000001';
const CALLS_LADDER = [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000];
const QUICK_CALLS_LADDER = [100, 400, 1000, 2500, 5000];
/** Added latency is measured at these shares of the held rate. */
const LATENCY_SHARES = [0.25, 0.5];

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    mode: { type: 'string', default: 'both' },
    callees: { type: 'string', default: '100' },
    duration: { type: 'string' },
    rates: { type: 'string' },
    refine: { type: 'string' },
    retries: { type: 'string' },
    sipp: { type: 'string', default: '1' },
    hold: { type: 'string', default: '50' },
    'latency-duration': { type: 'string' },
    'cpu-rate': { type: 'string', default: '100' },
    'cpu-duration': { type: 'string' },
    'kamailio-children': { type: 'string', default: '2' },
    'kamailio-shm': { type: 'string', default: '1024' },
    'server-log': { type: 'string', default: 'warn' },
    'server-node-args': { type: 'string', default: '' },
    workers: { type: 'string' },
    keep: { type: 'boolean', default: false },
    records: { type: 'string', default: 'on' },
    'max-queue-delay': { type: 'string' },
    warmup: { type: 'string', default: '3' },
    ...PLACEMENT_OPTIONS,
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(
    'usage: calls [--quick] [--only kamailio,kamailio-redis,softswitch] [--mode single|multi|both] [--callees N] [--duration S] [--rates a,b,c] [--refine N] [--retries N] [--sipp N] [--hold MS] [--latency-duration S] [--cpu-rate R] [--cpu-duration S] [--kamailio-children N] [--kamailio-shm MB] [--server-log LEVEL] [--server-node-args="--trace-gc ..."] [--workers N] [--records on|off|both] [--max-queue-delay MS] [--warmup S] [--keep] ' +
      PLACEMENT_USAGE,
  );
  console.log(
    "  --mode: single = each calling trunk (--sipp) one SIPp socket on its own loopback address, as real trunks send; multi = -t un, a socket per call; both (default). bench:register's trunks mode has no twin here: single already sends each trunk from one fixed address and port.",
  );
  console.log(PLACEMENT_HELP);
  process.exit(0);
}

const placement = placementFromOptions(opt, cpus().length);
placeProcesses(placement);

// --quick: a smoke run (a coarse ladder, no bisection or retries, 5 s latency and CPU runs).
const quick = opt.quick;
const targets = parseTargets(opt.only);
const modes = parseModes(opt.mode, TWO_SOCKET_MODES);
const nCallees = intOpt('callees', opt.callees, 1, 1000);
// Not shorter in --quick: a step's calls end ~0.2 s after the last one starts, so a 2 s step cannot reach 95% of its rate.
const durationSec = intOpt('duration', opt.duration ?? '5', 1, 60);
const refine = intOpt('refine', opt.refine ?? (quick ? '0' : '2'), 0, 6);
const retries = intOpt('retries', opt.retries ?? (quick ? '0' : '1'), 0, 3);
const sippProcs = intOpt('sipp', opt.sipp, 1, 8);
const holdMs = intOpt('hold', opt.hold, 0, 10000);
const latencySec = intOpt('latency-duration', opt['latency-duration'] ?? (quick ? '5' : '10'), 1, 60);
const cpuRate = intOpt('cpu-rate', opt['cpu-rate'], 1, 100000);
const cpuSec = intOpt('cpu-duration', opt['cpu-duration'] ?? (quick ? '5' : '10'), 1, 120);
const kamChildren = intOpt('kamailio-children', opt['kamailio-children'], 1, 64);
const kamShm = intOpt('kamailio-shm', opt['kamailio-shm'], 64, 8192);
const workers = opt.workers === undefined ? undefined : intOpt('workers', opt.workers, 1, 256);
const maxQueueDelay = opt['max-queue-delay'] === undefined ? undefined : intOpt('max-queue-delay', opt['max-queue-delay'], 0, 10000);
const warmupSec = intOpt('warmup', opt.warmup, 0, 60);
const ladder = opt.rates ? parseLadder(opt.rates) : quick ? QUICK_CALLS_LADDER : CALLS_LADDER;
if (!['both', 'on', 'off'].includes(opt.records)) {
  console.error('--records must be both, on or off');
  process.exit(2);
}
/** The softswitch runs: with call detail records (the default config), without, or both. */
const recordRuns = opt.records === 'both' ? [true, false] : [opt.records === 'on'];

const root = repoRoot();
const tsx = runningUnderTsx();
const uacScenario = join(root, 'test', 'sipp', 'bench-call-uac.xml');
const uasScenario = join(root, 'test', 'sipp', 'call-callee.xml');
const registerScenario = join(root, 'test', 'sipp', 'register-auth.xml');
const callees = makeUsers(nCallees);
const trunks = makeTrunks(sippProcs);

/** Everything started here, stopped on exit or Ctrl-C. */
const cleanups = cleanupStack();

/** Caller plan: one SIPp process per trunk, each from the trunk's own loopback address; in multi mode a socket per call. */
async function callerPlan(workDir: string, mode: TwoSocketMode): Promise<LoadPlan> {
  const csvFiles: string[] = [];
  const localPorts: number[] = [];
  for (const [k, t] of trunks.entries()) {
    const file = join(workDir, `callers-${k}.csv`);
    await writeFile(file, callerCsv(t, callees, DOMAIN));
    csvFiles.push(file);
    localPorts.push(await freeUdpPort());
  }
  return {
    scenario: uacScenario,
    workDir,
    durationSec,
    csvFiles,
    localPorts,
    localIps: trunks.map((t) => t.address),
    extraArgs: ['-d', String(holdMs), ...socketModeArgs(mode)],
    // SIPp's account of each failed call, summarised in the step's note.
    traceErrors: true,
  };
}

/** Per socket mode: the climb, then (full) the latency runs and the CPU step. */
function benchModes(label: string, run: Running, plans: Record<TwoSocketMode, LoadPlan>, callee: Callee, full: boolean): Promise<ModeCalls[]> {
  return runModes({
    label,
    run,
    plans,
    callee,
    modes: full ? modes : modes.slice(0, 1),
    full,
    ladder,
    refine,
    retries,
    latencySec,
    latencyShares: LATENCY_SHARES,
    warmupSec,
    cpuRate,
    cpuSec,
  });
}

async function benchKamailio(
  name: 'kamailio' | 'kamailio-redis',
  plans: Record<TwoSocketMode, LoadPlan>,
  callee: Callee,
  workDir: string,
): Promise<TargetResult> {
  const withRedis = name === 'kamailio-redis';
  const detail = `${await kamailioVersion()}, children=${kamChildren} UDP workers, ${kamShm} MB shm, record_route + lookup("location") + t_relay, ${withRedis ? 'usrloc written through to redis (db_redis, db_mode 1)' : 'usrloc in memory'}`;
  console.log(`\n== ${name} (${detail})`);
  const missing = withRedis ? dbRedisMissing() : undefined;
  if (missing) {
    console.log(`skipped: ${missing}`);
    return { name, detail, modes: [], skipped: missing };
  }
  const dir = join(workDir, name);
  const redis = withRedis ? await startRedis(dir, await freeTcpPort()) : undefined;
  if (redis) cleanups.push(redis.stop);
  try {
    const port = await freeUdpPort();
    const kam = await startKamailio({
      template: await readKamailioTemplate(root, 'kamailio-calls.cfg'),
      workDir: dir,
      port,
      realm: DOMAIN,
      users: calleesByNumber(callees),
      children: kamChildren,
      shmMb: kamShm,
      ...(redis ? { usrlocRedisUrl: redis.url } : {}),
    });
    cleanups.push(kam.stop);
    try {
      await registerCallees({ scenario: registerScenario, callee, target: `127.0.0.1:${port}`, users: calleesByNumber(callees), domain: DOMAIN, tag: name });
      const run: Running = { port, serverRoots: [kam.proc.child.pid ?? 0], storeRoots: redis ? [redis.proc.child.pid ?? 0] : [] };
      const figures = await benchModes(name, run, plans, callee, true);
      printTail(name, kam.proc.stderr.text());
      const keys = redis ? `, ${await redisKeyCount(redis.url)} keys in redis` : '';
      return { name, detail: detail + keys, modes: figures };
    } finally {
      cleanups.pop();
      await kam.stop();
    }
  } finally {
    if (redis) {
      cleanups.pop();
      await redis.stop();
    }
  }
}

async function benchSoftswitch(plans: Record<TwoSocketMode, LoadPlan>, callee: Callee, workDir: string, callRecords: boolean): Promise<TargetResult> {
  const name = callRecords ? 'softswitch' : 'sw no-cdr';
  let detail = `${tsx ? 'src via tsx' : 'dist'}, node ${process.version}, own redis-server, log level ${opt['server-log']}, call records ${callRecords ? 'on' : 'off'}${workers !== undefined ? `, WORKERS=${workers}` : ''}${maxQueueDelay !== undefined ? `, overload.maxQueueDelay ${maxQueueDelay} ms` : ''}`;
  console.log(`\n== ${name} (${detail})`);
  const missing = softswitchMissing(root, tsx);
  if (missing) {
    console.log(`skipped: ${missing}`);
    return { name, detail, modes: [], skipped: missing };
  }
  const redis = await startRedis(join(workDir, callRecords ? 'records-on' : 'records-off'), await freeTcpPort());
  cleanups.push(redis.stop);
  try {
    const port = await freeUdpPort();
    const doc = callsProvisioningDoc(trunks, callees);
    let featureSource = '';
    const sw = await startSoftswitch({
      root,
      tsx,
      workDir,
      port,
      redisUrl: redis.url,
      domain: DOMAIN,
      users: callees,
      provisioning: doc,
      logLevel: opt['server-log'],
      callRecords,
      ...(maxQueueDelay !== undefined ? { maxQueueDelay } : {}),
      nodeArgs: (opt['server-node-args'] ?? '').split(' ').filter((a) => a !== ''),
      ...(workers !== undefined ? { workers } : {}),
      afterProvisioning: async () => {
        featureSource = await ensureCallFeatures({
          redisUrl: redis.url,
          keyPrefix: 'bench:',
          siteId: SITE_ID,
          features: doc.features as Record<string, Record<string, unknown>>,
          bulk: { id: 'BULK1', name: 'Bench bulk (stopped)', members: callees.map((c) => c.basicNumber) },
        });
      },
    });
    cleanups.push(sw.stop);
    if (featureSource !== 'provisioned') {
      console.log(`note: features and the bulk group were ${featureSource}: the provision command did not store them`);
      detail += `, features ${featureSource}`;
    }
    try {
      // As in bench:register: every worker in the SO_REUSEPORT group before the callees register.
      if (!(await waitReady(sw.metricsPort, 30_000))) throw new Error('softswitch: /readyz did not answer 200 within 30 s');
      await registerCallees({
        scenario: registerScenario,
        callee,
        target: `127.0.0.1:${port}`,
        users: callees,
        domain: DOMAIN,
        tag: name.replace(/\W+/g, '-'),
      });
      const run: Running = { port, serverRoots: [sw.proc.child.pid ?? 0], storeRoots: [redis.proc.child.pid ?? 0] };
      // The run without records only measures what records cost in calls/s (first mode, no latency or CPU runs).
      const figures = await benchModes(name, run, plans, callee, callRecords);
      const verbose = opt['server-log'] !== 'warn' || opt['server-node-args'] !== '';
      printTail(name, `${sw.proc.stdout.text()}\n${sw.proc.stderr.text()}`, verbose ? 40 : 10);
      const records = await countCallRecords(redis.url, 'bench:');
      console.log(`call detail records written: ${records}`);
      if (callRecords) detail += `, ${records} records written`;
      return { name, detail, modes: figures };
    } catch (err) {
      const tail = sw.proc.stderr.text() || sw.proc.stdout.text();
      if (tail) console.log(`softswitch output (last lines):\n${tail}`);
      throw err;
    } finally {
      cleanups.pop();
      await sw.stop();
    }
  } finally {
    cleanups.pop();
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'bench-calls-'));
  const startedAt = new Date();
  console.log(
    `calls: INVITE -> 180 -> 200 -> ACK -> (50 ms window for a late 180) + ${holdMs} ms -> BYE -> 200, ${nCallees} registered callees (one SIPp UAS), ${sippProcs} calling trunk(s) / SIPp UAC process(es), ${durationSec} s per rate, modes: ${modes.join(', ')}${quick ? ' (--quick)' : ''}`,
  );
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); ${describePlacement(placement) || 'SIPp (callers and callee), the target and its store share them'}`,
  );
  console.log(
    `held = no failed call and >= ${HELD_SHARE * 100}% of the target rate achieved; a rate not held is retried ${retries}x; the climb stops at the first rate not held, then bisects ${refine}x`,
  );
  console.log('softswitch feature stages, all active on every call:');
  for (const s of STAGE_SETTINGS) console.log(`  - ${s}`);
  // A call holds a trunk channel for about the late-180 window + hold + a few round trips.
  const callMs = holdMs + 60;
  const concurrency = Math.ceil((ladder[ladder.length - 1]! * callMs) / 1000 / sippProcs);
  if (concurrency > TRUNK_CHANNELS)
    console.log(
      `note: above ${Math.floor((TRUNK_CHANNELS * 1000 * sippProcs) / callMs)} calls/s a trunk's ${TRUNK_CHANNELS} channels may be all in use (486); lower --hold or raise --sipp`,
    );

  const callee: Callee = { scenario: uasScenario, port: await freeUdpPort(), workDir };
  const plans: Record<TwoSocketMode, LoadPlan> = { single: await callerPlan(workDir, 'single'), multi: await callerPlan(workDir, 'multi') };
  const results: TargetResult[] = [];
  try {
    // One target failing to start is reported and the others still run.
    const attempt = async (name: TargetResult['name'], run: () => Promise<TargetResult>): Promise<void> => {
      try {
        results.push(await run());
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        console.log(`failed: ${why}`);
        results.push({ name, detail: 'did not run', modes: [], skipped: `error: ${why.split('\n')[0]}` });
      }
    };
    for (const name of targets) {
      if (name !== 'softswitch') await attempt(name, () => benchKamailio(name, plans, callee, workDir));
      else for (const on of recordRuns) await attempt(on ? 'softswitch' : 'sw no-cdr', () => benchSoftswitch(plans, callee, workDir, on));
    }
  } finally {
    await cleanups.run();
    if (!opt.keep) await rm(workDir, { recursive: true, force: true });
    else console.log(`\nkept work dir ${workDir}`);
  }

  const { held, ratios } = printCallsResult(results, modes, cpuRate, ladder[ladder.length - 1]!);
  const withRecords = results.find((r) => r.name === 'softswitch')?.modes[0]?.result.best;
  const without = results.find((r) => r.name === 'sw no-cdr')?.modes[0]?.result.best;
  if (withRecords !== undefined && without !== undefined && without > 0) {
    console.log(
      `call detail records: ${withRecords} calls/s with, ${without} without (${((withRecords / without) * 100).toFixed(0)}% of the rate without records)`,
    );
  }

  const latency = results.flatMap((r) =>
    r.modes.flatMap((m) => m.latency.map((l) => ({ target: r.name, mode: m.mode, share: l.share, rate: l.rate, held: l.step.held, ...l.summary }))),
  );
  const cpu = results.flatMap((r) => r.modes.flatMap((m) => (m.cpu ? [{ target: r.name, mode: m.mode, ...m.cpu }] : [])));
  const report = {
    bench: 'calls',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, placement },
    params: {
      quick,
      callees: nCallees,
      trunks: sippProcs,
      modes,
      durationSec,
      latencySec,
      latencyShares: LATENCY_SHARES,
      cpuRate,
      cpuSec,
      holdMs,
      ladder,
      refine,
      retries,
      kamailioChildren: kamChildren,
      kamailioShmMb: kamShm,
      workers: workers ?? null,
      heldShare: HELD_SHARE,
      scenarios: ['test/sipp/bench-call-uac.xml', 'test/sipp/call-callee.xml', 'test/sipp/register-auth.xml'],
      stages: STAGE_SETTINGS,
    },
    held,
    ratios,
    latency,
    cpu,
    targets: results,
  };
  const file = await writeReport(root, 'calls', startedAt, report);
  console.log(jsonLine({ bench: 'calls', startedAt: report.startedAt, machine: report.machine, held, ratios, latency, cpu }));
  console.log(`raw figures: ${file}`);
}

main().catch(async (err: unknown) => {
  await cleanups.run();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

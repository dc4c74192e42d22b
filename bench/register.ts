/**
 * `npm run bench:register`: SIPp REGISTER-with-challenge at rising rates
 * against Kamailio with bindings in memory, Kamailio with bindings written
 * through to Redis, and this softswitch, in the same run on this machine, with
 * SIPp on one socket, with a socket per registration (-t un), and (--mode
 * trunks or all) with each line on its own fixed loopback address (-t ui). Prints the
 * highest rate each held with no failed registration, the ratios, and each
 * target's CPU at a fixed 250 registrations/s. Traffic goes to 127.0.0.1 only;
 * every SIPp run is bounded in count and time.
 *
 *   node dist/bench/register.js [--quick] [--only kamailio,kamailio-redis,softswitch]
 *     [--mode single|multi|trunks|both|all] [--users 1000] [--duration 5] [--rates 250,500,...]
 *     [--refine 2] [--retries 1] [--sipp 1] [--cpu-rate 250] [--cpu-duration 10]
 *     [--kamailio-children 2] [--workers N] [--server-node-args ARGS] [--max-queue-delay MS]
 *     [--warmup S] [--keep]
 *
 * Each target first takes a warm-up (--warmup S seconds at 250, 500 and 1000/s,
 * not counted; 0: none), as bench:calls does. --max-queue-delay MS sets the
 * softswitch's overload.maxQueueDelay (0: no load shedding).
 *
 * --server-node-args passes node options to the server, e.g.
 * --server-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" for a CPU profile per process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTail } from './lib/calls-report.js';
import { cleanupStack, intOpt, writeReport } from './lib/cli.js';
import { dbRedisMissing, kamailioVersion, readKamailioTemplate, startKamailio } from './lib/kamailio.js';
import { CPU_CELL_LEGEND, cpuCell, cpuLine, measureCpu, measureRate, prepareLoad, type CpuFigure, type LoadPlan } from './lib/measure.js';
import { repoRoot, runningUnderTsx } from './lib/paths.js';
import { freeTcpPort, freeUdpPort, sleep, placeProcesses } from './lib/proc.js';
import { redisKeyCount, startRedis } from './lib/redis.js';
import { formatStep, sippBoundWarning, STEP_HEADER, warmUp } from './lib/report.js';
import { climb, DEFAULT_LADDER, HELD_SHARE, parseLadder, QUICK_LADDER, type SearchResult } from './lib/search.js';
import { registrationRetries, softswitchMissing, startSoftswitch, waitReady } from './lib/softswitch.js';
import { fmtPercent, fmtRatio, formatTable, jsonLine, ratios, type HeldFigure } from './lib/summary.js';
import { parseModes, parseTargets, registerLoadArgs, SOCKET_MODES, trunkSocketsProblem, type SocketMode, type TargetName } from './lib/targets.js';
import { makeUsers } from './lib/users.js';
import { describePlacement, PLACEMENT_HELP, PLACEMENT_OPTIONS, PLACEMENT_USAGE, placementFromOptions } from './lib/placement.js';

const DOMAIN = 'bench.test';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    mode: { type: 'string', default: 'both' },
    users: { type: 'string', default: '1000' },
    duration: { type: 'string' },
    rates: { type: 'string' },
    refine: { type: 'string' },
    retries: { type: 'string' },
    sipp: { type: 'string', default: '1' },
    'cpu-rate': { type: 'string', default: '250' },
    'cpu-duration': { type: 'string' },
    'kamailio-children': { type: 'string', default: '2' },
    workers: { type: 'string' },
    'max-queue-delay': { type: 'string' },
    warmup: { type: 'string', default: '3' },
    'server-node-args': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    ...PLACEMENT_OPTIONS,
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(
    'usage: register [--quick] [--only kamailio,kamailio-redis,softswitch] [--mode single|multi|trunks|both|all] [--users N] [--duration S] [--rates a,b,c] [--refine N] [--retries N] [--sipp N] [--cpu-rate R] [--cpu-duration S] [--kamailio-children N] [--workers N] [--server-node-args="--cpu-prof ..."] [--max-queue-delay MS] [--warmup S] [--keep] ' +
      PLACEMENT_USAGE,
  );
  console.log(
    '  --mode: single = one SIPp socket; multi = -t un, a new socket (source port) per registration; trunks = -t ui, each line from its own fixed 127.x address and port, as real trunks register; both = single and multi (default); all = the three',
  );
  console.log(PLACEMENT_HELP);
  process.exit(0);
}

const placement = placementFromOptions(opt, cpus().length);
placeProcesses(placement);

// --quick: a smoke run of a few minutes (a coarse ladder, no bisection or retries, a short CPU step).
const quick = opt.quick;
const targets = parseTargets(opt.only);
const modes = parseModes(opt.mode, SOCKET_MODES);
const nUsers = intOpt('users', opt.users, 1, 99999);
// Not shorter in --quick: SIPp's start and its last replies add a fraction of a second to each step, so a
// 2 s step cannot reach the 95% of its rate a held step needs.
const durationSec = intOpt('duration', opt.duration ?? '5', 1, 60);
const refine = intOpt('refine', opt.refine ?? (quick ? '0' : '2'), 0, 6);
const retries = intOpt('retries', opt.retries ?? (quick ? '0' : '1'), 0, 3);
const sippProcs = intOpt('sipp', opt.sipp, 1, 8);
const cpuRate = intOpt('cpu-rate', opt['cpu-rate'], 1, 100000);
const cpuSec = intOpt('cpu-duration', opt['cpu-duration'] ?? (quick ? '5' : '10'), 1, 120);
const kamChildren = intOpt('kamailio-children', opt['kamailio-children'], 1, 64);
const workers = opt.workers === undefined ? undefined : intOpt('workers', opt.workers, 1, 256);
const maxQueueDelay = opt['max-queue-delay'] === undefined ? undefined : intOpt('max-queue-delay', opt['max-queue-delay'], 0, 10000);
const warmupSec = intOpt('warmup', opt.warmup, 0, 60);
/** Warm-up rates (registrations/s), each for warmupSec, before the first mode's climb. */
const WARMUP_RATES = [250, 500, 1000];
if (modes.includes('trunks')) {
  const problem = trunkSocketsProblem(nUsers, sippProcs);
  if (problem) throw new Error(problem);
}
const ladder = opt.rates ? parseLadder(opt.rates) : quick ? QUICK_LADDER : DEFAULT_LADDER;

const root = repoRoot();
const tsx = runningUnderTsx();
const scenarios: Record<SocketMode, string> = {
  single: join(root, 'test', 'sipp', 'register-auth.xml'),
  multi: join(root, 'test', 'sipp', 'bench-register-many.xml'),
  trunks: join(root, 'test', 'sipp', 'bench-register-trunks.xml'),
};
const users = makeUsers(nUsers);

const MODE_NOTES: Record<SocketMode, string> = {
  single: '',
  multi: ' (-t un: a socket per registration, each line its own Contact port)',
  trunks: ' (-t ui: each line its own fixed source address and port, its Contact on it)',
};

/** Everything started here, stopped on exit or Ctrl-C. */
const cleanups = cleanupStack();

type Plans = Partial<Record<SocketMode, LoadPlan>>;

interface ModeResult {
  mode: SocketMode;
  result: SearchResult;
  cpu: CpuFigure;
}

interface TargetResult {
  name: TargetName;
  detail: string;
  modes: ModeResult[];
  skipped?: string;
}

/** A running system under test: where it listens, and the process trees whose CPU is its own. */
interface Running {
  port: number;
  serverRoots: number[];
  storeRoots: number[];
}

async function benchModes(name: TargetName, run: Running, plans: Plans): Promise<ModeResult[]> {
  const out: ModeResult[] = [];
  const all = [...run.serverRoots, ...run.storeRoots];
  const first = plans[modes[0]!];
  if (warmupSec > 0 && first) {
    await warmUp(WARMUP_RATES, (rate) => measureRate({ ...first, durationSec: warmupSec }, run.port, rate, all, `${name}-warmup`));
  }
  for (const mode of modes) {
    const plan = plans[mode];
    if (!plan) throw new Error(`no load plan for ${mode} mode`);
    const label = `${name}-${mode}`;
    console.log(`-- ${mode}-socket SIPp${MODE_NOTES[mode]}`);
    console.log(STEP_HEADER);
    const result = await climb(
      ladder,
      async (rate) => {
        const step = await measureRate(plan, run.port, rate, all, label);
        console.log(formatStep(step));
        await sleep(2000); // let the target drain its queues before the next step
        return step;
      },
      { refine, grain: 250, retries },
    );
    const cpu = await measureCpu(cpuRate, cpuSec, run.storeRoots, () =>
      measureRate({ ...plan, durationSec: cpuSec }, run.port, cpuRate, run.serverRoots, `${label}-cpu`),
    );
    console.log(cpuLine(cpu, '/s'));
    out.push({ mode, result, cpu });
    await sleep(1000);
  }
  return out;
}

async function benchKamailio(name: 'kamailio' | 'kamailio-redis', plans: Plans, workDir: string): Promise<TargetResult> {
  const withRedis = name === 'kamailio-redis';
  const detail = `${await kamailioVersion()}, children=${kamChildren} UDP workers, ${withRedis ? 'usrloc written through to redis (db_redis, db_mode 1)' : 'usrloc in memory'}, auth_db on db_text`;
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
      template: await readKamailioTemplate(root),
      workDir: dir,
      port,
      realm: DOMAIN,
      users,
      children: kamChildren,
      ...(redis ? { usrlocRedisUrl: redis.url } : {}),
    });
    cleanups.push(kam.stop);
    try {
      const run: Running = { port, serverRoots: [kam.proc.child.pid ?? 0], storeRoots: redis ? [redis.proc.child.pid ?? 0] : [] };
      const figures = await benchModes(name, run, plans);
      if (redis) {
        const n = await redisKeyCount(redis.url);
        console.log(`its redis holds ${n} keys (db_redis: a hash per contact plus the usrdom and timer sets)`);
        return { name, detail: `${detail}, ${n} keys in redis`, modes: figures };
      }
      return { name, detail, modes: figures };
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

async function benchSoftswitch(plans: Plans, workDir: string): Promise<TargetResult> {
  const detail = `${tsx ? 'src via tsx' : 'dist'}, node ${process.version}, own redis-server${workers !== undefined ? `, WORKERS=${workers}` : ''}${maxQueueDelay !== undefined ? `, overload.maxQueueDelay ${maxQueueDelay} ms` : ''}`;
  console.log(`\n== softswitch (${detail})`);
  const missing = softswitchMissing(root, tsx);
  if (missing) {
    console.log(`skipped: ${missing}`);
    return { name: 'softswitch', detail, modes: [], skipped: missing };
  }
  const redis = await startRedis(join(workDir, 'softswitch-redis'), await freeTcpPort());
  cleanups.push(redis.stop);
  try {
    const port = await freeUdpPort();
    const nodeArgs = (opt['server-node-args'] ?? '').split(' ').filter((a) => a !== '');
    const sw = await startSoftswitch({
      root,
      tsx,
      workDir,
      port,
      redisUrl: redis.url,
      domain: DOMAIN,
      users,
      nodeArgs,
      ...(workers !== undefined ? { workers } : {}),
      ...(maxQueueDelay !== undefined ? { maxQueueDelay } : {}),
    });
    cleanups.push(sw.stop);
    try {
      // OPTIONS is answered as soon as one worker is up. A worker binding later joins the SO_REUSEPORT
      // group and re-deals source addresses over the workers, so lines registered before would move:
      // wait until every worker is ready (/readyz) before the first step.
      if (!(await waitReady(sw.metricsPort, 30_000))) throw new Error('softswitch: /readyz did not answer 200 within 30 s');
      const run: Running = { port, serverRoots: [sw.proc.child.pid ?? 0], storeRoots: [redis.proc.child.pid ?? 0] };
      const figures = await benchModes('softswitch', run, plans);
      const retried = await registrationRetries(sw.metricsPort);
      if (retried) {
        // A line's REGISTERs reaching different workers: each worker's copy of the bindings is stale, the compare-and-set loses.
        console.log(`REGISTERs decided twice (another worker had written the line since): ${retried.retries}, of ${retried.registered} registered`);
      }
      printTail('softswitch', `${sw.proc.stdout.text()}\n${sw.proc.stderr.text()}`);
      return { name: 'softswitch', detail, modes: figures };
    } finally {
      cleanups.pop();
      await sw.stop();
    }
  } finally {
    cleanups.pop();
    await redis.stop();
  }
}

function printSummary(results: TargetResult[]): { held: HeldFigure[]; ratioFigures: ReturnType<typeof ratios> } {
  console.log('\n== Result: highest REGISTER rate held (registrations/s), and CPU % of one core at a fixed rate');
  const header = ['target', ...modes.map((m) => `${m}-socket/s`), ...modes.map((m) => `cpu@${cpuRate} ${m}`), 'its redis'];
  const rows = results.map((r) => {
    const by = (m: SocketMode): ModeResult | undefined => r.modes.find((x) => x.mode === m);
    const rate = (m: SocketMode): string => (r.skipped ? 'skipped' : String(by(m)?.result.best ?? '-'));
    const cpu = (m: SocketMode): string => cpuCell(by(m)?.cpu);
    return [r.name, ...modes.map(rate), ...modes.map(cpu), fmtPercent(r.modes[0]?.cpu.storePercent)];
  });
  console.log(formatTable(header, rows));
  console.log(CPU_CELL_LEGEND);
  if (results.some((r) => r.modes.some((m) => !m.cpu.held))) console.log('  (* the CPU step did not hold its rate)');
  for (const r of results) {
    if (r.skipped) console.log(`  ${r.name}: skipped (${r.skipped})`);
    else console.log(`  ${r.name}: ${r.detail}`);
    for (const m of r.modes) {
      const warn = sippBoundWarning(m.result);
      if (warn) console.log(`    warning (${m.mode}): ${warn}`);
      if (m.result.firstFailed === undefined) console.log(`    note (${m.mode}): every rate up to ${ladder[ladder.length - 1]}/s was held; extend --rates`);
    }
  }
  const held: HeldFigure[] = results.flatMap((r) => r.modes.map((m) => ({ target: r.name, mode: m.mode, best: m.result.best })));
  const ratioFigures = ratios(held);
  for (const x of ratioFigures) console.log(`ratio softswitch / ${x.reference}, ${x.mode}-socket: ${fmtRatio(x.ratio)}`);
  return { held, ratioFigures };
}

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'bench-register-'));
  const startedAt = new Date();
  console.log(
    `REGISTER with digest challenge (401 then 200), ${nUsers} users, ${durationSec} s per rate, ${sippProcs} SIPp process(es), modes: ${modes.join(', ')}${quick ? ' (--quick)' : ''}`,
  );
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); ${describePlacement(placement) || 'SIPp, the target and its store share them'}`);
  console.log(
    `held = no failed registration and >= ${HELD_SHARE * 100}% of the target rate achieved; a rate not held is retried ${retries}x; the climb stops at the first rate not held, then bisects ${refine}x`,
  );

  // Only the plans of the modes asked for (trunks mode binds a socket per line).
  const plans: Plans = {};
  // What each mode adds to the rows SIPp reads: multi, each line's own Contact port; trunks, its own source address.
  const rows: Record<SocketMode, { contactPorts?: boolean; trunkSources?: boolean }> = {
    single: {},
    multi: { contactPorts: true },
    trunks: { trunkSources: true },
  };
  for (const mode of modes) {
    plans[mode] = await prepareLoad({
      scenario: scenarios[mode],
      workDir,
      durationSec,
      users,
      domain: DOMAIN,
      sippProcs,
      extraArgs: registerLoadArgs(mode),
      ...rows[mode],
    });
  }
  const results: TargetResult[] = [];
  try {
    // One target failing to start is reported and the others still run.
    for (const name of targets) {
      try {
        results.push(name === 'softswitch' ? await benchSoftswitch(plans, workDir) : await benchKamailio(name, plans, workDir));
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        console.log(`failed: ${why}`);
        results.push({ name, detail: 'did not run', modes: [], skipped: `error: ${why.split('\n')[0]}` });
      }
    }
  } finally {
    await cleanups.run();
    if (!opt.keep) await rm(workDir, { recursive: true, force: true });
    else console.log(`\nkept work dir ${workDir}`);
  }

  const { held, ratioFigures } = printSummary(results);
  const report = {
    bench: 'register',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version, placement },
    params: {
      quick,
      users: nUsers,
      durationSec,
      ladder,
      refine,
      retries,
      sippProcs,
      modes,
      cpuRate,
      cpuSec,
      kamailioChildren: kamChildren,
      workers: workers ?? null,
      heldShare: HELD_SHARE,
      scenarios: { single: 'test/sipp/register-auth.xml', multi: 'test/sipp/bench-register-many.xml', trunks: 'test/sipp/bench-register-trunks.xml' },
    },
    held,
    ratios: ratioFigures,
    cpu: results.flatMap((r) => r.modes.map((m) => ({ target: r.name, mode: m.mode, ...m.cpu }))),
    targets: results,
  };
  const file = await writeReport(root, 'register', startedAt, report);
  console.log(jsonLine({ bench: 'register', startedAt: report.startedAt, machine: report.machine, held, ratios: ratioFigures, cpu: report.cpu }));
  console.log(`raw figures: ${file}`);
}

main().catch(async (err: unknown) => {
  await cleanups.run();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * `npm run bench:register`: SIPp REGISTER-with-challenge at rising rates
 * against Kamailio (an equivalent in-memory digest registrar) and against this
 * softswitch, in the same run on this machine. Prints the highest rate each
 * held with no failed registration, and the ratio. Traffic goes to 127.0.0.1
 * only; every SIPp run is bounded in count and time.
 *
 *   node dist/bench/register.js [--only kamailio|softswitch] [--users 1000]
 *     [--duration 5] [--rates 250,500,...] [--refine 2] [--retries 1] [--sipp 1]
 *     [--kamailio-children 2] [--keep]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupStack, intOpt, onlyOpt } from './lib/cli.js';
import { readKamailioTemplate, startKamailio, KAMAILIO_BIN } from './lib/kamailio.js';
import { measureRate, prepareLoad, type LoadPlan } from './lib/measure.js';
import { repoRoot, runningUnderTsx } from './lib/paths.js';
import { freeTcpPort, freeUdpPort, runBounded, sleep } from './lib/proc.js';
import { startRedis } from './lib/redis.js';
import { formatStep, ratio, sippBoundWarning, STEP_HEADER } from './lib/report.js';
import { climb, DEFAULT_LADDER, HELD_SHARE, parseLadder, type SearchResult } from './lib/search.js';
import { softswitchMissing, startSoftswitch } from './lib/softswitch.js';
import { makeUsers } from './lib/users.js';

const DOMAIN = 'bench.test';

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    users: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '5' },
    rates: { type: 'string' },
    refine: { type: 'string', default: '2' },
    retries: { type: 'string', default: '1' },
    sipp: { type: 'string', default: '1' },
    'kamailio-children': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(
    'usage: register [--only kamailio|softswitch] [--users N] [--duration S] [--rates a,b,c] [--refine N] [--retries N] [--sipp N] [--kamailio-children N] [--keep]',
  );
  process.exit(0);
}

const only = onlyOpt(opt.only);
const nUsers = intOpt('users', opt.users, 1, 99999);
const durationSec = intOpt('duration', opt.duration, 1, 60);
const refine = intOpt('refine', opt.refine, 0, 6);
const retries = intOpt('retries', opt.retries, 0, 3);
const sippProcs = intOpt('sipp', opt.sipp, 1, 8);
const kamChildren = intOpt('kamailio-children', opt['kamailio-children'], 1, 64);
const ladder = opt.rates ? parseLadder(opt.rates) : DEFAULT_LADDER;

const root = repoRoot();
const tsx = runningUnderTsx();
const scenario = join(root, 'test', 'sipp', 'register-auth.xml');
const users = makeUsers(nUsers);

/** Everything started here, stopped on exit or Ctrl-C. */
const cleanups = cleanupStack();

interface TargetResult {
  name: string;
  detail: string;
  result?: SearchResult;
  skipped?: string;
}

async function climbTarget(plan: LoadPlan, label: string, port: number, roots: number[]): Promise<SearchResult> {
  console.log(STEP_HEADER);
  return climb(
    ladder,
    async (rate) => {
      const step = await measureRate(plan, port, rate, roots, label);
      console.log(formatStep(step));
      await sleep(2000); // let the target drain its queues before the next step
      return step;
    },
    { refine, grain: 250, retries },
  );
}

async function kamailioVersion(): Promise<string> {
  const r = await runBounded(KAMAILIO_BIN, ['-v'], { hardLimitMs: 5000 });
  return /version: (\S+ \S+)/.exec(r.stdout)?.[1] ?? 'kamailio';
}

async function benchKamailio(plan: LoadPlan, workDir: string): Promise<TargetResult> {
  const detail = `${await kamailioVersion()}, children=${kamChildren} UDP workers, usrloc in memory, auth_db on db_text`;
  console.log(`\n== Kamailio (${detail})`);
  const port = await freeUdpPort();
  const kam = await startKamailio({ template: await readKamailioTemplate(root), workDir, port, realm: DOMAIN, users, children: kamChildren });
  cleanups.push(kam.stop);
  try {
    const pid = kam.proc.child.pid ?? 0;
    return { name: 'kamailio', detail, result: await climbTarget(plan, 'kamailio', port, [pid]) };
  } finally {
    cleanups.pop();
    await kam.stop();
  }
}

async function benchSoftswitch(plan: LoadPlan, workDir: string): Promise<TargetResult> {
  const detail = `${tsx ? 'src via tsx' : 'dist'}, node ${process.version}, own redis-server`;
  console.log(`\n== softswitch (${detail})`);
  const missing = softswitchMissing(root, tsx);
  if (missing) {
    console.log(`skipped: ${missing}`);
    return { name: 'softswitch', detail, skipped: missing };
  }
  const redis = await startRedis(workDir, await freeTcpPort());
  cleanups.push(redis.stop);
  try {
    const port = await freeUdpPort();
    const sw = await startSoftswitch({ root, tsx, workDir, port, redisUrl: redis.url, domain: DOMAIN, users });
    cleanups.push(sw.stop);
    try {
      const roots = [sw.proc.child.pid ?? 0, redis.proc.child.pid ?? 0];
      return { name: 'softswitch', detail, result: await climbTarget(plan, 'softswitch', port, roots) };
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
  const workDir = await mkdtemp(join(tmpdir(), 'bench-register-'));
  const startedAt = new Date();
  console.log(`REGISTER with digest challenge (401 then 200), ${nUsers} users, ${durationSec} s per rate, ${sippProcs} SIPp process(es)`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); SIPp, the target and its store share them`);
  console.log(
    `held = no failed registration and >= ${HELD_SHARE * 100}% of the target rate achieved; a rate not held is retried ${retries}x; the climb stops at the first rate not held, then bisects ${refine}x`,
  );

  const plan = await prepareLoad({ scenario, workDir, durationSec, users, domain: DOMAIN, sippProcs });
  const results: TargetResult[] = [];
  try {
    // One target failing to start is reported and the other still runs.
    const attempt = async (name: string, run: () => Promise<TargetResult>): Promise<void> => {
      try {
        results.push(await run());
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        console.log(`failed: ${why}`);
        results.push({ name, detail: 'did not run', skipped: `error: ${why.split('\n')[0]}` });
      }
    };
    if (only !== 'softswitch') await attempt('kamailio', () => benchKamailio(plan, workDir));
    if (only !== 'kamailio') await attempt('softswitch', () => benchSoftswitch(plan, workDir));
  } finally {
    await cleanups.run();
    if (!opt.keep) await rm(workDir, { recursive: true, force: true });
    else console.log(`\nkept work dir ${workDir}`);
  }

  console.log('\n== Result: highest REGISTER rate held (registrations/s)');
  for (const r of results) {
    const figure = r.result ? String(r.result.best) : `skipped (${r.skipped})`;
    console.log(`  ${r.name.padEnd(11)} ${figure.padStart(7)}   ${r.detail}`);
    const warn = r.result ? sippBoundWarning(r.result) : undefined;
    if (warn) console.log(`    warning: ${warn}`);
    if (r.result && r.result.firstFailed === undefined) console.log(`    note: every rate up to ${ladder[ladder.length - 1]}/s was held; extend --rates`);
  }
  const kam = results.find((r) => r.name === 'kamailio')?.result?.best;
  const sw = results.find((r) => r.name === 'softswitch')?.result?.best;
  const x = kam !== undefined && sw !== undefined ? ratio(sw, kam) : undefined;
  console.log(`ratio (softswitch / kamailio): ${x ?? 'n/a'}`);

  const outDir = join(root, 'bench', 'out');
  await mkdir(outDir, { recursive: true });
  const outFile = join(outDir, `register-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    bench: 'register',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    params: {
      users: nUsers,
      durationSec,
      ladder,
      refine,
      sippProcs,
      kamailioChildren: kamChildren,
      heldShare: HELD_SHARE,
      scenario: 'test/sipp/register-auth.xml',
    },
    targets: results,
    ratio: x === undefined ? null : Number(x),
  };
  await writeFile(outFile, JSON.stringify(report, null, 2) + '\n');
  console.log(`raw figures: ${outFile}`);
}

main().catch(async (err: unknown) => {
  await cleanups.run();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * `npm run bench:calls`: calls per second (INVITE, 180, 200, ACK, BYE) through
 * the softswitch with every feature stage active, against Kamailio doing plain
 * record-routed lookup-and-relay, on the same SIPp scenarios in the same run.
 * Prints the highest rate each held with no failed call, the ratio, and the
 * added latency (INVITE in to INVITE out, p50/p99) at half that rate, from a
 * tcpdump capture on lo. Traffic goes to 127.0.0.0/8 only; every SIPp run is
 * bounded in count and time.
 *
 *   node dist/bench/calls.js [--only kamailio|softswitch] [--callees 100]
 *     [--duration 5] [--rates 50,100,...] [--refine 2] [--retries 1] [--sipp 1]
 *     [--hold 50] [--latency-duration 10] [--kamailio-children 2]
 *     [--kamailio-shm 1024] [--server-log warn] [--server-node-args ARGS] [--keep]
 *     [--records both|on|off]
 *
 * Kamailio keeps every transaction (and, for INVITEs, its wait timer) in
 * shared memory: with 128 MB it runs out near 1000 calls/s and answers 500,
 * so the calls bench gives it 1 GB.
 *
 * --records both (the default) runs the softswitch twice, with call detail
 * records written (the default config) and with `cdr.enabled: false`, and
 * prints what writing them costs in calls/s.
 *
 * --server-log info (with a low --rates) shows the softswitch's last log lines,
 * e.g. the call.decision event of each feature stage; --server-node-args
 * passes node options to the server (--server-node-args="--trace-gc --trace-gc-ignore-scavenger").
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { cleanupStack, intOpt, onlyOpt } from './lib/cli.js';
import { countCallRecords, ensureCallFeatures } from './lib/calls-store.js';
import { measureCalls, measureLatency, registerCallees, type Callee } from './lib/calls-run.js';
import { callerCsv, calleesByNumber, callsProvisioningDoc, makeTrunks, STAGE_SETTINGS, TRUNK_CHANNELS } from './lib/calls-setup.js';
import { TCPDUMP_BIN } from './lib/capture.js';
import { readKamailioTemplate, startKamailio, KAMAILIO_BIN } from './lib/kamailio.js';
import type { LoadPlan } from './lib/measure.js';
import { repoRoot, runningUnderTsx } from './lib/paths.js';
import { freeTcpPort, freeUdpPort, runBounded, sleep } from './lib/proc.js';
import { startRedis } from './lib/redis.js';
import { fmtMs, printCallsResult, printTail, type TargetResult } from './lib/calls-report.js';
import { formatStep, STEP_HEADER } from './lib/report.js';
import { climb, HELD_SHARE, parseLadder } from './lib/search.js';
import { softswitchMissing, startSoftswitch } from './lib/softswitch.js';
import { makeUsers } from './lib/users.js';

const DOMAIN = 'bench.test';
const SITE_ID = '9000001';
const CALLS_LADDER = [50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000, 2500, 3000, 4000, 5000];

const { values: opt } = parseArgs({
  options: {
    only: { type: 'string' },
    callees: { type: 'string', default: '100' },
    duration: { type: 'string', default: '5' },
    rates: { type: 'string' },
    refine: { type: 'string', default: '2' },
    retries: { type: 'string', default: '1' },
    sipp: { type: 'string', default: '1' },
    hold: { type: 'string', default: '50' },
    'latency-duration': { type: 'string', default: '10' },
    'kamailio-children': { type: 'string', default: '2' },
    'kamailio-shm': { type: 'string', default: '1024' },
    'server-log': { type: 'string', default: 'warn' },
    'server-node-args': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    records: { type: 'string', default: 'both' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log(
    'usage: calls [--only kamailio|softswitch] [--callees N] [--duration S] [--rates a,b,c] [--refine N] [--retries N] [--sipp N] [--hold MS] [--latency-duration S] [--kamailio-children N] [--kamailio-shm MB] [--server-log LEVEL] [--server-node-args="--trace-gc ..."] [--keep] [--records both|on|off]',
  );
  process.exit(0);
}

const only = onlyOpt(opt.only);
const nCallees = intOpt('callees', opt.callees, 1, 1000);
const durationSec = intOpt('duration', opt.duration, 1, 60);
const refine = intOpt('refine', opt.refine, 0, 6);
const retries = intOpt('retries', opt.retries, 0, 3);
const sippProcs = intOpt('sipp', opt.sipp, 1, 8);
const holdMs = intOpt('hold', opt.hold, 0, 10000);
const latencySec = intOpt('latency-duration', opt['latency-duration'], 1, 60);
const kamChildren = intOpt('kamailio-children', opt['kamailio-children'], 1, 64);
const kamShm = intOpt('kamailio-shm', opt['kamailio-shm'], 64, 8192);
const ladder = opt.rates ? parseLadder(opt.rates) : CALLS_LADDER;
if (!['both', 'on', 'off'].includes(opt.records)) {
  console.error('--records must be both, on or off');
  process.exit(2);
}
/** The softswitch runs: with call detail records (the default config), without, or both. */
const recordRuns = opt.records === 'both' ? [true, false] : [opt.records === 'on'];
/** The result name of a softswitch run (the run with records is the one compared with Kamailio). */
const SW_NO_RECORDS = 'sw no-cdr';

const root = repoRoot();
const tsx = runningUnderTsx();
const uacScenario = join(root, 'test', 'sipp', 'bench-call-uac.xml');
const uasScenario = join(root, 'test', 'sipp', 'call-callee.xml');
const registerScenario = join(root, 'test', 'sipp', 'register-auth.xml');
const callees = makeUsers(nCallees);
const trunks = makeTrunks(sippProcs);

/** Everything started here, stopped on exit or Ctrl-C. */
const cleanups = cleanupStack();

/** Caller plan: one SIPp process per trunk, each from the trunk's own loopback address. */
async function callerPlan(workDir: string): Promise<LoadPlan> {
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
    extraArgs: ['-d', String(holdMs)],
    // SIPp's account of each failed call, summarised in the step's note.
    traceErrors: true,
  };
}

/** The climb, then the latency run at half the held rate. */
async function benchTarget(
  plan: LoadPlan,
  callee: Callee,
  label: string,
  port: number,
  roots: () => number[],
): Promise<Pick<TargetResult, 'result' | 'latency' | 'latencySkipped'>> {
  console.log(STEP_HEADER);
  const result = await climb(
    ladder,
    async (rate) => {
      const step = await measureCalls(plan, callee, port, rate, roots(), label);
      console.log(formatStep(step));
      await sleep(2000); // let the target drain its queues before the next step
      return step;
    },
    { refine, grain: 50, retries },
  );
  if (result.best === 0) return { result, latencySkipped: 'no rate held' };
  if (!TCPDUMP_BIN) return { result, latencySkipped: 'tcpdump not installed' };
  const half = Math.max(1, Math.floor(result.best / 2));
  const latency = await measureLatency({ ...plan, durationSec: latencySec }, callee, port, half, roots(), label);
  console.log(
    `latency at ${half}/s for ${latencySec} s: ${latency.calls} calls, INVITE in -> out p50 ${fmtMs(latency.p50Ms)}, p99 ${fmtMs(latency.p99Ms)}` +
      `${latency.step.held ? '' : ' (that step was NOT held)'}${latency.kernelDrops ? `, capture dropped ${latency.kernelDrops}` : ''}`,
  );
  return { result, latency };
}

async function kamailioVersion(): Promise<string> {
  const r = await runBounded(KAMAILIO_BIN, ['-v'], { hardLimitMs: 5000 });
  return /version: (\S+ \S+)/.exec(r.stdout)?.[1] ?? 'kamailio';
}

async function benchKamailio(plan: LoadPlan, callee: Callee, workDir: string): Promise<TargetResult> {
  const detail = `${await kamailioVersion()}, children=${kamChildren} UDP workers, ${kamShm} MB shm, record_route + lookup("location") + t_relay, usrloc in memory`;
  console.log(`\n== Kamailio (${detail})`);
  const port = await freeUdpPort();
  const kam = await startKamailio({
    template: await readKamailioTemplate(root, 'kamailio-calls.cfg'),
    workDir,
    port,
    realm: DOMAIN,
    users: calleesByNumber(callees),
    children: kamChildren,
    shmMb: kamShm,
  });
  cleanups.push(kam.stop);
  try {
    await registerCallees({
      scenario: registerScenario,
      callee,
      target: `127.0.0.1:${port}`,
      users: calleesByNumber(callees),
      domain: DOMAIN,
      tag: 'kamailio',
    });
    const pid = kam.proc.child.pid ?? 0;
    const figures = await benchTarget(plan, callee, 'kamailio', port, () => [pid]);
    printTail('kamailio', kam.proc.stderr.text());
    return { name: 'kamailio', detail, ...figures };
  } finally {
    cleanups.pop();
    await kam.stop();
  }
}

async function benchSoftswitch(plan: LoadPlan, callee: Callee, workDir: string, callRecords: boolean): Promise<TargetResult> {
  const name = callRecords ? 'softswitch' : SW_NO_RECORDS;
  let detail = `${tsx ? 'src via tsx' : 'dist'}, node ${process.version}, own redis-server, log level ${opt['server-log']}, call records ${callRecords ? 'on' : 'off'}`;
  console.log(`\n== softswitch (${detail})`);
  const missing = softswitchMissing(root, tsx);
  if (missing) {
    console.log(`skipped: ${missing}`);
    return { name, detail, skipped: missing };
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
      nodeArgs: (opt['server-node-args'] ?? '').split(' ').filter((a) => a !== ''),
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
      await registerCallees({ scenario: registerScenario, callee, target: `127.0.0.1:${port}`, users: callees, domain: DOMAIN, tag: 'softswitch' });
      const roots = (): number[] => [sw.proc.child.pid ?? 0, redis.proc.child.pid ?? 0];
      const figures = await benchTarget(plan, callee, name, port, roots);
      const verbose = opt['server-log'] !== 'warn' || opt['server-node-args'] !== '';
      printTail(name, `${sw.proc.stdout.text()}\n${sw.proc.stderr.text()}`, verbose ? 40 : 10);
      const records = await countCallRecords(redis.url, 'bench:');
      console.log(`call detail records written: ${records}`);
      if (callRecords) detail += `, ${records} records written`;
      return { name, detail, ...figures };
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
    `calls: INVITE -> 180 -> 200 -> ACK -> (50 ms window for a late 180) + ${holdMs} ms -> BYE -> 200, ${nCallees} registered callees (one SIPp UAS), ${sippProcs} calling trunk(s) / SIPp UAC process(es), ${durationSec} s per rate`,
  );
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); SIPp (callers and callee), the target and its store share them`);
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
  const plan = await callerPlan(workDir);
  const results: TargetResult[] = [];
  try {
    const attempt = async (name: string, run: () => Promise<TargetResult>): Promise<void> => {
      try {
        results.push(await run());
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        console.log(`failed: ${why}`);
        results.push({ name, detail: 'did not run', skipped: `error: ${why.split('\n')[0]}` });
      }
    };
    if (only !== 'softswitch') await attempt('kamailio', () => benchKamailio(plan, callee, workDir));
    if (only !== 'kamailio') {
      for (const on of recordRuns) await attempt(on ? 'softswitch' : SW_NO_RECORDS, () => benchSoftswitch(plan, callee, workDir, on));
    }
  } finally {
    await cleanups.run();
    if (!opt.keep) await rm(workDir, { recursive: true, force: true });
    else console.log(`\nkept work dir ${workDir}`);
  }

  const x = printCallsResult(results, ladder[ladder.length - 1]!);
  const withRecords = results.find((r) => r.name === 'softswitch')?.result?.best;
  const without = results.find((r) => r.name === SW_NO_RECORDS)?.result?.best;
  if (withRecords !== undefined && without !== undefined && without > 0) {
    console.log(
      `call detail records: ${withRecords} calls/s with, ${without} without (${((withRecords / without) * 100).toFixed(0)}% of the rate without records)`,
    );
  }

  const outDir = join(root, 'bench', 'out');
  await mkdir(outDir, { recursive: true });
  const outFile = join(outDir, `calls-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const report = {
    bench: 'calls',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    params: {
      callees: nCallees,
      trunks: sippProcs,
      durationSec,
      latencySec,
      holdMs,
      ladder,
      refine,
      retries,
      kamailioChildren: kamChildren,
      kamailioShmMb: kamShm,
      heldShare: HELD_SHARE,
      scenarios: ['test/sipp/bench-call-uac.xml', 'test/sipp/call-callee.xml', 'test/sipp/register-auth.xml'],
      stages: STAGE_SETTINGS,
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

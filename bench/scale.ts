/**
 * `npm run bench:scale`: the softswitch with 100,000 provisioned lines, each
 * with a live binding. Prints the provisioning time, Redis memory per binding
 * (INFO memory before and after the bindings, over their number), the time a
 * node takes to start against that data (spawn to OPTIONS answered and to
 * /readyz 200), and the REGISTER rate it holds across that user set (SIPp on
 * one socket and with a socket per registration, every line refreshing its own binding). Traffic
 * goes to 127.0.0.1 only; every SIPp run is bounded in count and time.
 *
 *   node dist/bench/scale.js [--quick] [--lines 100000] [--mode single|multi|both] [--duration 5]
 *     [--rates 500,1000,...] [--refine 1] [--sipp 1] [--workers N] [--keep]
 *
 * The bindings are written through the server's store layer (BindingStore),
 * the keys a REGISTER writes; the REGISTER climb then refreshes them over SIP.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTail } from './lib/calls-report.js';
import { cleanupStack, intOpt, writeReport } from './lib/cli.js';
import { measureRate, prepareLoad } from './lib/measure.js';
import { repoRoot, runningUnderTsx } from './lib/paths.js';
import { freeTcpPort, freeUdpPort, sleep } from './lib/proc.js';
import { redisKeyCount, redisUsedMemory, startRedis } from './lib/redis.js';
import { formatStep, STEP_HEADER } from './lib/report.js';
import { fillBindings } from './lib/scale-store.js';
import { climb, HELD_SHARE, parseLadder, type SearchResult } from './lib/search.js';
import { provisioningDocs, softswitchMissing, startSoftswitch, waitReady } from './lib/softswitch.js';
import { formatTable, jsonLine } from './lib/summary.js';
import { parseModes, registerLoadArgs, TWO_SOCKET_MODES, type SocketMode } from './lib/targets.js';
import { makeUsers, MAX_USERS } from './lib/users.js';

const DOMAIN = 'bench.test';
const KEY_PREFIX = 'bench:';
/** Lines per provisioning file (see provisioningDocs). */
const LINES_PER_FILE = 10_000;

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    lines: { type: 'string' },
    duration: { type: 'string' },
    rates: { type: 'string' },
    refine: { type: 'string' },
    mode: { type: 'string', default: 'both' },
    sipp: { type: 'string', default: '1' },
    workers: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (opt.help) {
  console.log('usage: scale [--quick] [--lines N] [--mode single|multi|both] [--duration S] [--rates a,b,c] [--refine N] [--sipp N] [--workers N] [--keep]');
  process.exit(0);
}

// --quick: 10,000 lines and a short climb, a smoke run.
const quick = opt.quick;
const nLines = intOpt('lines', opt.lines ?? (quick ? '10000' : '100000'), 1, MAX_USERS);
// Not shorter in --quick: SIPp's start and its last replies add a fraction of a second to each step, so a
// 2 s step cannot reach the 95% of its rate a held step needs.
const durationSec = intOpt('duration', opt.duration ?? '5', 1, 60);
const refine = intOpt('refine', opt.refine ?? (quick ? '0' : '1'), 0, 6);
const sippProcs = intOpt('sipp', opt.sipp, 1, 8);
const modes = parseModes(opt.mode, TWO_SOCKET_MODES);
const workers = opt.workers === undefined ? undefined : intOpt('workers', opt.workers, 1, 256);
const ladder = opt.rates ? parseLadder(opt.rates) : quick ? [500, 2000, 8000] : [500, 1000, 2000, 3000, 4000, 6000, 8000, 12000, 16000];

const root = repoRoot();
const tsx = runningUnderTsx();
const users = makeUsers(nLines);
const cleanups = cleanupStack();

async function main(): Promise<void> {
  const workDir = await mkdtemp(join(tmpdir(), 'bench-scale-'));
  const startedAt = new Date();
  console.log(`scale: ${nLines} digest lines, each with a live binding, in one redis-server${quick ? ' (--quick)' : ''}`);
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); SIPp, the server and redis share them`);
  const missing = softswitchMissing(root, tsx);
  if (missing) throw new Error(missing);

  const figures: Record<string, number | boolean | null> = {};
  const redis = await startRedis(workDir, await freeTcpPort());
  cleanups.push(redis.stop);
  try {
    const port = await freeUdpPort();
    let provisionMs = 0;
    const t0 = performance.now();
    const sw = await startSoftswitch({
      root,
      tsx,
      workDir,
      port,
      redisUrl: redis.url,
      domain: DOMAIN,
      users,
      provisioning: provisioningDocs(users, LINES_PER_FILE),
      startTimeoutMs: 300_000,
      ...(workers !== undefined ? { workers } : {}),
      afterProvisioning: async () => {
        provisionMs = performance.now() - t0;
        console.log(`provisioned ${nLines} lines in ${(provisionMs / 1000).toFixed(1)} s`);
        const before = await redisUsedMemory(redis.url);
        const keysBefore = await redisKeyCount(redis.url);
        const t1 = performance.now();
        const written = await fillBindings({ redisUrl: redis.url, keyPrefix: KEY_PREFIX, users });
        const fillMs = performance.now() - t1;
        const after = await redisUsedMemory(redis.url);
        const keysAfter = await redisKeyCount(redis.url);
        Object.assign(figures, {
          lines: nLines,
          provisionSec: round1(provisionMs / 1000),
          memoryBeforeBindings: before,
          memoryAfterBindings: after,
          bindings: written,
          bytesPerBinding: written > 0 ? Math.round((after - before) / written) : null,
          keysPerBinding: written > 0 ? round1((keysAfter - keysBefore) / written) : null,
          bindingWriteRate: Math.round(written / (fillMs / 1000)),
        });
        console.log(
          `wrote ${written} live bindings through the store layer in ${(fillMs / 1000).toFixed(1)} s; redis used_memory ${mb(before)} -> ${mb(after)}: ${figures.bytesPerBinding} bytes per binding (${figures.keysPerBinding} keys each)`,
        );
      },
    });
    cleanups.push(sw.stop);
    try {
      const ready = await waitReady(sw.metricsPort, 300_000);
      const readyMs = performance.now() - sw.startedAt;
      Object.assign(figures, { startToOptionsMs: Math.round(sw.startMs), startToReadyMs: ready ? Math.round(readyMs) : null });
      console.log(
        `node start against ${nLines} lines: answers OPTIONS after ${Math.round(sw.startMs)} ms, /readyz 200 after ${ready ? `${Math.round(readyMs)} ms` : 'never (timed out)'}`,
      );

      const roots = [sw.proc.child.pid ?? 0, redis.proc.child.pid ?? 0];
      const results: Array<{ mode: SocketMode; result: SearchResult }> = [];
      for (const mode of modes) {
        // Both modes send each line's own Contact (field3), so every REGISTER refreshes the binding written above.
        const plan = await prepareLoad({
          scenario: join(root, 'test', 'sipp', 'bench-register-many.xml'),
          workDir,
          durationSec,
          users,
          domain: DOMAIN,
          sippProcs,
          extraArgs: registerLoadArgs(mode),
          contactPorts: true,
        });
        console.log(`\n-- REGISTER refresh across the ${nLines} lines (${mode}-socket SIPp, each line its own Contact, ${durationSec} s per rate)`);
        console.log(STEP_HEADER);
        const result = await climb(
          ladder,
          async (rate) => {
            const step = await measureRate(plan, port, rate, roots, `scale-${mode}`);
            console.log(formatStep(step));
            await sleep(2000);
            return step;
          },
          { refine, grain: 250, retries: 0 },
        );
        results.push({ mode, result });
        figures[`registerRate_${mode}`] = result.best;
      }
      figures.memoryAfterRegisters = await redisUsedMemory(redis.url);
      printTail('softswitch', `${sw.proc.stdout.text()}\n${sw.proc.stderr.text()}`);

      console.log(`\n== Result: ${nLines} lines with live bindings`);
      console.log(
        formatTable(
          ['figure', 'value'],
          [
            ['provisioning (provision command)', `${figures.provisionSec} s`],
            ['redis memory per binding', `${figures.bytesPerBinding} bytes`],
            ['redis keys per binding', String(figures.keysPerBinding)],
            ['redis used_memory with all bindings', mb(Number(figures.memoryAfterBindings))],
            ['node start: spawn -> OPTIONS answered', `${figures.startToOptionsMs} ms`],
            ['node start: spawn -> /readyz 200', figures.startToReadyMs === null ? 'timed out' : `${figures.startToReadyMs} ms`],
            ...results.map(({ mode, result }) => [
              `REGISTER rate held across the lines, ${mode}-socket`,
              `${result.best}/s${result.firstFailed === undefined ? ' (every rate tried was held)' : ''}`,
            ]),
          ],
        ),
      );
      const report = {
        bench: 'scale',
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
        params: { quick, lines: nLines, modes, durationSec, ladder, refine, sippProcs, workers: workers ?? null, heldShare: HELD_SHARE },
        figures,
        steps: Object.fromEntries(results.map(({ mode, result }) => [mode, result.steps])),
      };
      const file = await writeReport(root, 'scale', startedAt, report);
      console.log(jsonLine({ bench: 'scale', startedAt: report.startedAt, machine: report.machine, figures }));
      console.log(`raw figures: ${file}`);
    } finally {
      cleanups.pop();
      await sw.stop();
    }
  } finally {
    await cleanups.run();
    if (!opt.keep) await rm(workDir, { recursive: true, force: true });
    else console.log(`kept work dir ${workDir}`);
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

main().catch(async (err: unknown) => {
  await cleanups.run();
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

// What Node itself costs at a low, steady message rate, before any SIP work:
// the floor under bench:register's CPU figure at 250/s. A server that only
// echoes each UDP datagram (bench/floor-server.ts), and one that also writes
// every second datagram to Redis first, are fed `--rate` datagrams a second
// (500 by default: the REGISTERs of 250 registrations, and their 250 store
// writes) from this process for `--duration` seconds;
// the server's CPU % of one core is printed, each mode `--repeat` times,
// taking turns. Compare with Kamailio's whole cost at 250 REGISTER/s in
// bench:register. Traffic stays on 127.0.0.1.
// Run: npm run bench:floor [-- --rate 500 --duration 20 --repeat 3]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dgram from 'node:dgram';
import { parseArgs } from 'node:util';
import { cleanupStack, intOpt, writeReport } from './lib/cli.js';
import { repoRoot } from './lib/paths.js';
import { cpuPercent, cpuTimes, freeTcpPort, freeUdpPort, sleep, startManaged, stopManaged } from './lib/proc.js';
import { startRedis } from './lib/redis.js';

const { values: opt } = parseArgs({
  options: { rate: { type: 'string', default: '500' }, duration: { type: 'string', default: '20' }, repeat: { type: 'string', default: '3' } },
});
const rate = intOpt('rate', opt.rate, 1, 1000);
const durationSec = intOpt('duration', opt.duration, 1, 120);
const repeat = intOpt('repeat', opt.repeat, 1, 10);
const here = dirname(fileURLToPath(import.meta.url));
const root = repoRoot();
const MODES = ['echo', 'redis'] as const;
type Mode = (typeof MODES)[number];
const LABEL: Record<Mode, string> = { echo: 'echo', redis: 'echo + a Redis SET per 2 datagrams' };

/** One run: start the server, send at the rate, return its CPU % (and the kernel's part of it) and the echoes received. */
async function run(mode: Mode, redisPort: number): Promise<{ cpu: number; kernel: number; sent: number; answered: number }> {
  const port = await freeUdpPort();
  const server = startManaged(`floor-${mode}`, process.execPath, [join(here, 'floor-server.js'), mode, String(port), String(redisPort)]);
  try {
    const deadline = Date.now() + 10_000;
    while (!server.stdout.text().includes('ready')) {
      if (Date.now() > deadline || server.child.exitCode !== null) throw new Error(`floor server did not start:\n${server.stderr.text()}`);
      await sleep(20);
    }
    const client = dgram.createSocket('udp4');
    let answered = 0;
    client.on('message', () => answered++);
    const payload = Buffer.alloc(600, 'x'); // about a REGISTER's size
    const pid = server.child.pid!;
    const before = cpuTimes(pid);
    const started = performance.now();
    let sent = 0;
    // Each millisecond the datagrams then due, about one: bursts would let the server wake less often than real traffic makes it.
    while (performance.now() - started < durationSec * 1000) {
      const due = Math.floor(((performance.now() - started) * rate) / 1000);
      for (; sent < due; sent++) client.send(payload, port, '127.0.0.1');
      await sleep(1);
    }
    const after = cpuTimes(pid);
    const wallSec = (performance.now() - started) / 1000;
    const cpu = cpuPercent(before.cpuSec, after.cpuSec, wallSec);
    const kernel = cpuPercent(before.kernelSec, after.kernelSec, wallSec);
    await sleep(200);
    client.close();
    return { cpu, kernel, sent, answered };
  } finally {
    await stopManaged(server);
  }
}

const cleanup = cleanupStack();
const startedAt = new Date();
const work = await mkdtemp(join(tmpdir(), 'bench-floor-'));
try {
  const redis = await startRedis(work, await freeTcpPort());
  cleanup.push(() => redis.stop());
  console.log(`floor: a UDP echo in Node ${process.version}, ${rate} datagrams/s of 600 bytes for ${durationSec} s, ${repeat}x each mode`);
  const runs: Array<{ mode: Mode; cpu: number; kernel: number; sent: number; answered: number }> = [];
  for (let i = 0; i < repeat; i++) {
    for (const mode of MODES) {
      const r = await run(mode, redis.port);
      runs.push({ mode, ...r });
      console.log(
        `  ${LABEL[mode].padEnd(36)} ${r.cpu.toFixed(1).padStart(5)}% of a core, ${r.kernel.toFixed(1)}% in the kernel  (${r.answered} of ${r.sent} answered)`,
      );
    }
  }
  for (const mode of MODES) {
    const cpus = runs.filter((r) => r.mode === mode).map((r) => r.cpu);
    console.log(`${LABEL[mode]}: ${cpus.map((c) => `${c.toFixed(1)}%`).join(', ')} of a core`);
  }
  const file = await writeReport(root, 'floor', startedAt, {
    bench: 'floor',
    startedAt: startedAt.toISOString(),
    node: process.version,
    rate,
    durationSec,
    runs,
  });
  console.log(`BENCH_JSON ${JSON.stringify({ bench: 'floor', rate, durationSec, runs })}`);
  console.log(`raw figures: ${file}`);
} finally {
  await cleanup.run();
  await rm(work, { recursive: true, force: true });
}

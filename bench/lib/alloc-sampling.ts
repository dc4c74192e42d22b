/**
 * Where a process allocates, short-lived objects included: preload it into the
 * server (`--server-node-args="--import ./dist/bench/lib/alloc-sampling.js"`)
 * and send SIGUSR2 twice, to start and to stop. V8's sampling heap profiler
 * then counts the objects collected by scavenges and full collections too, so
 * the profile is what the work allocates, not only what it keeps (which a heap
 * snapshot shows). The profile goes to the temporary directory as
 * `alloc-<pid>-<n>.heapprofile` (Chrome DevTools reads it); its path is
 * printed on stderr, which the bench keeps in server.log.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** About one sample per this many bytes allocated. */
const SAMPLING_INTERVAL = 8192;

const session = new Session();
session.connect();

function post<T = unknown>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result as T))));
}

let sampling = false;
let written = 0;

async function toggle(): Promise<void> {
  if (!sampling) {
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: SAMPLING_INTERVAL,
      includeObjectsCollectedByMinorGC: true,
      includeObjectsCollectedByMajorGC: true,
    });
    sampling = true;
    process.stderr.write('alloc-sampling: started\n');
    return;
  }
  const { profile } = await post<{ profile: unknown }>('HeapProfiler.stopSampling');
  sampling = false;
  const file = join(tmpdir(), `alloc-${process.pid}-${++written}.heapprofile`);
  writeFileSync(file, JSON.stringify(profile));
  process.stderr.write(`alloc-sampling: written ${file}\n`);
}

process.on('SIGUSR2', () => {
  toggle().catch((error: unknown) => process.stderr.write(`alloc-sampling: ${String(error)}\n`));
});

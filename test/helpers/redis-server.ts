import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signalChild, stopChild, waitForPing } from '../../src/store/embedded-redis.js';
import { freePort } from './free-port.js';

/**
 * A real, throw-away redis-server for one test file: 127.0.0.1 on a free
 * port, a temp dir, no persistence. pause()/resume() stop and restart it on
 * the same port, for Redis-outage tests; freeze()/thaw() stall it (SIGSTOP /
 * SIGCONT): connections stay open and nothing answers.
 */
export interface TestRedis {
  url: string;
  port: number;
  /** Stop the server (SIGTERM) and remove its dir. */
  stop(): Promise<void>;
  /** SIGKILL at once (synchronous), e.g. from an exit handler. */
  kill(): void;
  /** Stop the process but keep the port reserved for resume(). */
  pause(): Promise<void>;
  /** Start again on the same port (empty: nothing is persisted). */
  resume(): Promise<void>;
  /** SIGSTOP: the process stays, its sockets stay open, no command is answered. stop() and kill() thaw it first. */
  freeze(): void;
  /** SIGCONT: it answers again, with its data. */
  thaw(): void;
}

async function launch(port: number, dir: string): Promise<ChildProcess | null> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  child.on('error', () => {}); // reported as a failed start below
  if (await waitForPing({ host: '127.0.0.1', port }, child, 10_000)) return child;
  await stopChild(child, 1000);
  return null;
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'ss-test-redis-'));
  let port = 0;
  let child: ChildProcess | null = null;
  // The free port may be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    child = await launch(port, dir);
  }
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error('could not start redis-server for the test (is it installed? npm test installs it)');
  }
  let current: ChildProcess | null = child;
  let frozen = false;
  const thaw = () => {
    if (current && frozen) signalChild(current, 'SIGCONT');
    frozen = false;
  };
  const kill = () => {
    thaw();
    if (current) signalChild(current, 'SIGKILL');
  };
  process.once('exit', kill);

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    freeze() {
      if (!current) throw new Error('redis-server is not running');
      signalChild(current, 'SIGSTOP');
      frozen = true;
    },
    thaw,
    async pause() {
      thaw();
      if (current) await stopChild(current, 5000);
      current = null;
    },
    async resume() {
      if (current) return;
      current = await launch(port, dir);
      if (!current) throw new Error(`could not restart redis-server on port ${port}`);
    },
    async stop() {
      thaw();
      if (current) await stopChild(current, 5000);
      current = null;
      process.off('exit', kill);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

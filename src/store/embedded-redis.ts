import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, type NetConnectOpts } from 'node:net';
import { resolve } from 'node:path';
import type { Log } from '../log.js';

/**
 * A private `redis-server` for `npm start` without REDIS_URL: unix socket only
 * (no TCP port), data kept in dataDir with an append-only file so provisioning
 * and registrations survive restarts.
 */

export const SOCKET_NAME = 'redis.sock';
/** sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export function embeddedSocketPath(dataDir: string): string {
  return resolve(dataDir, SOCKET_NAME);
}

/** The URL createRedis() takes for the embedded instance. */
export function embeddedRedisUrl(dataDir: string): string {
  return `unix://${embeddedSocketPath(dataDir)}`;
}

/** True when a Redis answers PING at the target within timeoutMs. Uses a raw socket: no client needed. */
export function pingRedis(target: { path: string } | { host: string; port: number }, timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const opts: NetConnectOpts = 'path' in target ? { path: target.path } : { host: target.host, port: target.port };
    const sock = connect(opts);
    let buf = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) finish(buf.startsWith('+PONG'));
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

/** Poll PING until it answers, the process exits, or the deadline passes. */
export async function waitForPing(target: { path: string } | { host: string; port: number }, child: ChildProcess | null, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && (child.exitCode !== null || child.pid === undefined)) return false; // exited, or never spawned
    if (await pingRedis(target, 300)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** Wait for a child to exit; SIGKILL after graceMs. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => signalChild(child, 'SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    signalChild(child, 'SIGTERM');
  });
}

/**
 * Signal a child only if it was really spawned: for a child that failed to
 * spawn (ENOENT), ChildProcess.kill() can reach kill(0, sig), which signals
 * our whole process group.
 */
export function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill(signal);
}

export interface EmbeddedRedis {
  url: string;
  /** False when an instance already running for this dataDir was reused (stop() then leaves it running). */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * Start (or reuse) the embedded redis-server for dataDir and resolve once it
 * answers PING. A server already answering on the socket — another node on
 * this machine, or one left behind by a killed run — is reused, not doubled.
 */
export async function startEmbeddedRedis(dataDir: string, log: Log): Promise<EmbeddedRedis> {
  const dir = resolve(dataDir);
  const socket = embeddedSocketPath(dir);
  const url = embeddedRedisUrl(dir);
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new Error(`redis.embedded.dataDir is too long for a unix socket path (${socket}); choose a shorter path or set REDIS_URL`);
  }
  mkdirSync(dir, { recursive: true });

  if (await pingRedis({ path: socket })) {
    log.info({ event: 'redis.embedded.reused', socket }, 'reusing the redis-server already running for this data folder');
    return { url, started: false, stop: async () => {} };
  }
  if (existsSync(socket)) rmSync(socket, { force: true }); // stale, from a killed run

  const args = [
    '--port',
    '0',
    '--unixsocket',
    socket,
    '--unixsocketperm',
    '700',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--daemonize',
    'no',
    '--save',
    '',
    '--logfile',
    '',
  ];
  // Own process group: a terminal Ctrl-C reaches only us, and we stop Redis
  // after the SIP side has finished with it.
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line.trim()) tail.push(line.trim());
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const spawnError = new Promise<Error>((r) => child.once('error', r));
  if (child.pid === undefined) {
    // Not spawned at all; the reason arrives as an 'error' event.
    const err = (await spawnError) as NodeJS.ErrnoException;
    throw err.code === 'ENOENT'
      ? new Error('redis-server is not installed: run `npm run setup -- --runtime` (Debian package redis-server) or set REDIS_URL')
      : err;
  }
  const killOnExit = () => signalChild(child, 'SIGTERM');
  process.once('exit', killOnExit);
  if (!(await waitForPing({ path: socket }, child, 15_000))) {
    process.off('exit', killOnExit);
    await stopChild(child, 2000);
    throw new Error(`embedded redis-server did not start:\n  ${tail.slice(-8).join('\n  ')}`);
  }
  log.info({ event: 'redis.embedded.started', socket, redisPid: child.pid }, 'started the embedded redis-server');

  let stopping: Promise<void> | null = null;
  return {
    url,
    started: true,
    stop: () => {
      // SIGTERM makes redis-server flush the append-only file and exit.
      stopping ??= stopChild(child).then(() => {
        process.off('exit', killOnExit);
        log.info({ event: 'redis.embedded.stopped', socket }, 'stopped the embedded redis-server');
      });
      return stopping;
    },
  };
}

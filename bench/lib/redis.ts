import { Redis } from 'ioredis';
import { connect } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startManaged, stopManaged, sleep, type Managed } from './proc.js';

/** Sends PING over a raw socket; true on +PONG. Avoids needing a client to probe. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(500, () => done(false));
    sock.once('error', () => done(false));
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
  });
}

export interface RedisHandle {
  port: number;
  url: string;
  proc: Managed;
  stop(): Promise<void>;
}

/** A throw-away redis-server on a loopback port, no persistence, data in workDir/redis. */
export async function startRedis(workDir: string, port: number): Promise<RedisHandle> {
  const dir = join(workDir, 'redis');
  await mkdir(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  const proc = startManaged('redis-server', 'redis-server', args, { cwd: dir, role: 'redis' });
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) break;
    if (await ping(port)) return { port, url: `redis://127.0.0.1:${port}/0`, proc, stop: () => stopManaged(proc) };
    await sleep(100);
  }
  await stopManaged(proc);
  throw new Error(`redis-server did not start on 127.0.0.1:${port}\n${proc.stdout.text()}\n${proc.stderr.text()}`);
}

/** Runs one command on a fresh connection (the bench's look at a target's store). */
async function withRedis<T>(url: string, use: (r: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

/** Keys in the database: evidence that a target really wrote its bindings there. */
export function redisKeyCount(url: string): Promise<number> {
  return withRedis(url, (r) => r.dbsize());
}

/** used_memory from INFO memory, bytes. */
export async function redisUsedMemory(url: string): Promise<number> {
  const info = await withRedis(url, (r) => r.info('memory'));
  return parseInfoField(info, 'used_memory') ?? 0;
}

/** One numeric field of an INFO reply ("used_memory:12345"). */
export function parseInfoField(info: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:(\\d+)\\r?$`, 'm').exec(info);
  return m ? Number(m[1]) : undefined;
}

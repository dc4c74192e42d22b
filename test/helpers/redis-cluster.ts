import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { signalChild, stopChild, waitForPing } from '../../src/store/embedded-redis.js';
import { freePort } from './free-port.js';

/**
 * A throw-away Redis Cluster of three masters (no replicas) on free loopback
 * ports, temp dirs, no persistence; slots assigned by `redis-cli --cluster create`.
 */
export interface TestRedisCluster {
  urls: string[];
  stop(): Promise<void>;
}

export async function startTestRedisCluster(size = 3): Promise<TestRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ss-test-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const kill = () => children.forEach((c) => signalChild(c, 'SIGKILL'));
  process.once('exit', kill);
  const stop = async () => {
    await Promise.all(children.map((c) => stopChild(c, 5000)));
    process.off('exit', kill);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    while (ports.length < size) {
      const port = await freePort();
      const nodeDir = join(dir, String(port));
      mkdirSync(nodeDir);
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          nodeDir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      child.on('error', () => {});
      if (!(await waitForPing({ host: '127.0.0.1', port }, child, 10_000))) {
        await stopChild(child, 1000);
        continue; // the port was taken meanwhile: another one
      }
      children.push(child);
      ports.push(port);
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    await Promise.all(ports.map((p) => clusterOk(p)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { urls: ports.map((p) => `redis://127.0.0.1:${p}`), stop };
}

/** Wait until the node sees every slot served (the nodes learn of each other by gossip). */
async function clusterOk(port: number): Promise<void> {
  const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await node.connect();
    for (let i = 0; i < 200; i++) {
      if (/cluster_state:ok/.test(await node.cluster('INFO'))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`cluster node ${port} did not reach cluster_state:ok`);
  } finally {
    node.disconnect();
  }
}

import dgram from 'node:dgram';
import t from 'tap';
import { startTestRedis } from '../helpers/redis-server.js';
import { runCli, writeServerConfig } from '../helpers/server-process.js';

/**
 * A node with two workers whose SIP port another program holds cannot
 * start: the primary stops it with exit code 1 and says why, as one process
 * does, instead of restarting the workers for ever.
 */
const redis = await startTestRedis();
t.teardown(() => redis.stop());

t.test('a worker that cannot bind stops the node with exit 1', async (t) => {
  const squatter = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => squatter.bind(0, '127.0.0.1', resolve));
  t.teardown(() => squatter.close());
  const config = await writeServerConfig({ redisUrl: redis.url, port: squatter.address().port, workers: 2 });
  const result = await runCli('start', ['--config', config.file], 90_000);
  t.equal(result.code, 1, 'exit 1');
  const lines = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(
    lines.some((l) => l.event === 'server.start_failed' && l.worker === 0),
    'the primary logs why it stops',
  );
  t.ok(
    lines.some((l) => l.event === 'server.start_failed' && JSON.stringify(l.err).includes('EADDRINUSE')),
    'a worker names the taken address',
  );
  t.notOk(
    lines.some((l) => l.event === 'worker.died'),
    'no restart loop',
  );
});

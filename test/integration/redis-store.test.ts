import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/log.js';
import { embeddedSocketPath, pingRedis, startEmbeddedRedis } from '../../src/store/embedded-redis.js';
import { connectionOptions, createRedis, waitForRedis } from '../../src/store/redis.js';
import { startTestRedis } from '../helpers/redis-server.js';

/** A logger whose events are collected for assertions. */
function recordingLog() {
  const events: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) events.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('debug', sink), events, named: (e: string) => events.filter((x) => x.event === e).length };
}

const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

t.test('connectionOptions understands unix sockets', async (t) => {
  t.same(connectionOptions('unix:///run/r.sock'), { path: '/run/r.sock' });
  t.same(connectionOptions('unix:/run/r.sock'), { path: '/run/r.sock' });
  t.same(connectionOptions('redis+socket:///run/r.sock'), { path: '/run/r.sock' });
  t.same(connectionOptions('/run/r.sock'), { path: '/run/r.sock' });
  t.same(connectionOptions('redis://127.0.0.1:6379/1'), { url: 'redis://127.0.0.1:6379/1' });
});

t.test('createRedis fails fast while Redis is down and reconnects by itself', async (t) => {
  const server = await startTestRedis();
  t.teardown(() => server.stop());
  const { log, named } = recordingLog();
  const redis = createRedis(server.url, 't:', log);
  t.teardown(() => redis.disconnect());
  await waitForRedis(redis);
  await redis.set('k', 'v');
  await server.pause();
  t.ok(await waitFor(() => named('redis.disconnected') === 1), 'disconnect logged');

  const started = Date.now();
  const err = await redis.get('k').catch((e: Error) => e);
  t.ok(err instanceof Error, 'a command fails instead of queueing');
  t.ok(Date.now() - started < 1000, 'and fails fast');

  await new Promise((r) => setTimeout(r, 700)); // several retries while down
  await server.resume();
  t.ok(await waitFor(() => redis.status === 'ready'), 'reconnected');
  t.equal(await redis.set('k', 'w'), 'OK');
  t.equal(named('redis.connected'), 2, 'one connected event per transition');
  t.equal(named('redis.disconnected'), 1, 'one disconnected event per outage, not per retry');
});

t.test('embedded redis: starts, persists across restarts, is reused, stops', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ss-emb-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { log } = recordingLog();
  const socket = embeddedSocketPath(join(dir, 'redis'));

  const first = await startEmbeddedRedis(join(dir, 'redis'), log);
  t.teardown(() => first.stop());
  t.ok(first.started);
  t.match(first.url, /^unix:\/\//);
  const redis = createRedis(first.url, 'ss:', log);
  await waitForRedis(redis);
  await redis.set('survives', 'yes');
  redis.disconnect();

  const second = await startEmbeddedRedis(join(dir, 'redis'), log);
  t.notOk(second.started, 'a running instance for the same dir is reused');
  await second.stop();
  t.ok(await pingRedis({ path: socket }), 'stopping the reuser leaves it running');

  await first.stop();
  t.notOk(await pingRedis({ path: socket }), 'stopped');

  const again = await startEmbeddedRedis(join(dir, 'redis'), log);
  t.ok(again.started);
  const r2 = createRedis(again.url, 'ss:', log);
  await waitForRedis(r2);
  t.equal(await r2.get('survives'), 'yes', 'data survives a restart');
  r2.disconnect();
  await again.stop();
  t.ok(existsSync(join(dir, 'redis', 'appendonlydir')), 'append-only data in the data dir');
});

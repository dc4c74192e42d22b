import t from 'tap';
import { Readiness } from '../../../src/health/readiness.js';

function subject(opts: { ping?: () => Promise<unknown>; bound?: boolean; now?: () => number } = {}) {
  let pings = 0;
  const readiness = new Readiness(
    {
      pingRedis: () => {
        pings++;
        return (opts.ping ?? (() => Promise.resolve('PONG')))();
      },
      sipBound: () => opts.bound ?? true,
    },
    { redisTimeoutMs: 50, cacheMs: 1000, ...(opts.now ? { now: opts.now } : {}) },
  );
  return { readiness, pings: () => pings };
}

t.test('ready when Redis answers, the sockets are bound and the node is not draining', async (t) => {
  const { readiness } = subject();
  t.same(await readiness.report(), { ready: true, checks: { redis: 'ok', sip: 'ok', draining: false } });
});

t.test('Redis refusing, or silent past the timeout, is not ready', async (t) => {
  t.same((await subject({ ping: () => Promise.reject(new Error('ECONNREFUSED')) }).readiness.report()).checks.redis, 'not answering');
  const silent = await subject({ ping: () => new Promise(() => undefined) }).readiness.report();
  t.equal(silent.ready, false, 'a PING that never comes back');
  t.equal(silent.checks.redis, 'not answering');
});

t.test('SIP sockets not bound: not ready', async (t) => {
  const report = await subject({ bound: false }).readiness.report();
  t.equal(report.ready, false);
  t.equal(report.checks.sip, 'not bound');
});

t.test('draining: not ready from then on, whatever Redis says', async (t) => {
  const { readiness } = subject();
  readiness.startDraining();
  const report = await readiness.report();
  t.equal(report.ready, false);
  t.equal(report.checks.draining, true);
  t.equal(readiness.draining, true);
});

t.test('one PING serves the probes of a second; the next second asks again', async (t) => {
  let now = 1_000_000;
  const { readiness, pings } = subject({ now: () => now });
  await Promise.all([readiness.report(), readiness.report(), readiness.report()]);
  t.equal(pings(), 1, 'concurrent probes share one PING');
  now += 500;
  await readiness.report();
  t.equal(pings(), 1, 'within the second: the cached answer');
  now += 600;
  await readiness.report();
  t.equal(pings(), 2, 'after it: a new PING');
});

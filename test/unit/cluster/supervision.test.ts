import t from 'tap';
import { nodeReadiness, restartDelayMs } from '../../../src/cluster/supervision.js';
import type { ReadinessReport } from '../../../src/health/readiness.js';

/** The primary's decisions: restart back-off, and the node's readiness from its workers'. */
const policy = { baseMs: 500, maxMs: 30_000, windowMs: 60_000 };

t.test('a worker that keeps dying is restarted ever more slowly, up to the cap', async (t) => {
  const now = 1_000_000;
  t.equal(restartDelayMs([now], now, policy), 500, 'first death: the base wait');
  t.equal(restartDelayMs([now - 1000, now], now, policy), 1000, 'second within the window: doubled');
  t.equal(restartDelayMs([now - 3000, now - 2000, now - 1000, now], now, policy), 4000);
  t.equal(
    restartDelayMs(
      Array.from({ length: 20 }, (_, i) => now - i),
      now,
      policy,
    ),
    30_000,
    'capped',
  );
  t.equal(restartDelayMs([now - 120_000, now - 90_000, now], now, policy), 500, 'deaths outside the window are forgiven');
});

const ready: ReadinessReport = { ready: true, checks: { redis: 'ok', sip: 'ok', draining: false } };
const redisDown: ReadinessReport = { ready: false, checks: { redis: 'not answering', sip: 'ok', draining: false } };

t.test('the node is ready only when every worker answers ready', async (t) => {
  t.same(nodeReadiness(2, [ready, ready], false), { ready: true, checks: { redis: 'ok', sip: 'ok', draining: false, workers: '2/2 ready' } });
  t.match(nodeReadiness(2, [ready, undefined], false), { ready: false, checks: { sip: 'not bound', workers: '1/2 ready' } }, 'a worker missing or silent');
  t.match(nodeReadiness(2, [ready, redisDown], false), { ready: false, checks: { redis: 'not answering', workers: '1/2 ready' } }, 'one worker without Redis');
  t.match(nodeReadiness(2, [ready, ready], true), { ready: false, checks: { draining: true } }, 'the primary is stopping');
  const draining: ReadinessReport = { ready: false, checks: { redis: 'ok', sip: 'ok', draining: true } };
  t.match(nodeReadiness(2, [ready, draining], false), { ready: false, checks: { draining: true } }, 'a worker draining');
  t.match(nodeReadiness(2, [], false), { ready: false, checks: { redis: 'not answering', workers: '0/2 ready' } }, 'no worker yet');
});

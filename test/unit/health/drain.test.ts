import t from 'tap';
import { Drain } from '../../../src/health/drain.js';
import { Readiness } from '../../../src/health/readiness.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import { createLogger } from '../../../src/log.js';

const log = createLogger('silent');

function readiness(): Readiness {
  return new Readiness({ pingRedis: () => Promise.resolve('PONG'), sipBound: () => true }, { redisTimeoutMs: 50 });
}

/** A request that records its answer. */
function request(): { request: IncomingRequest; answers: Array<{ status: number; headers: unknown }> } {
  const answers: Array<{ status: number; headers: unknown }> = [];
  const fake = {
    respond(status: number, _reason?: string, headers: unknown = []) {
      answers.push({ status, headers });
    },
  };
  return { request: fake as unknown as IncomingRequest, answers };
}

t.test('new dialogs reach the handler until draining starts, then get 503 with Retry-After', async (t) => {
  const drain = new Drain(readiness(), { drainSeconds: 20, activeCalls: () => 0, log });
  let handled = 0;
  let refused = 0;
  const handler = drain.refuseWhileDraining(
    async () => {
      handled++;
    },
    () => refused++,
  );
  const before = request();
  await handler(before.request);
  t.equal(handled, 1, 'served before draining');
  t.same(before.answers, []);

  await drain.run();
  const during = request();
  await handler(during.request);
  t.equal(handled, 1, 'not served while draining');
  t.equal(refused, 1, 'counted');
  t.same(during.answers, [{ status: 503, headers: [['Retry-After', '20']] }]);
});

t.test('waits for the calls to end, and no longer', async (t) => {
  let calls = 2;
  const ready = readiness();
  const drain = new Drain(ready, { drainSeconds: 30, activeCalls: () => calls, log, pollMs: 5 });
  const done = drain.run();
  t.equal(ready.draining, true, 'readiness fails at once');
  let finished = false;
  void done.then(() => (finished = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  t.equal(finished, false, 'still waiting while calls are up');
  calls = 0;
  const result = await done;
  t.equal(result.callsLeft, 0);
});

t.test('the drain time is the limit: it stops waiting with calls still up', async (t) => {
  const drain = new Drain(readiness(), { drainSeconds: 0, activeCalls: () => 1, log, pollMs: 5 });
  // drainSeconds 0: no wait at all.
  t.same((await drain.run()).callsLeft, 1);
});

t.test('cutShort ends the wait at once (a second signal)', async (t) => {
  const drain = new Drain(readiness(), { drainSeconds: 3600, activeCalls: () => 1, log, pollMs: 5 });
  const done = drain.run();
  drain.cutShort();
  t.equal((await done).callsLeft, 1);
});

import t from 'tap';
import { isAlive, nextHealth, type TargetHealth } from '../../../src/monitoring/health.js';

const thresholds = { downAfter: 3, upAfter: 2 };

t.test('alive: any final answer but 408 and 503; no answer is not', async (t) => {
  for (const status of [200, 404, 405, 481, 500, 603]) t.ok(isAlive({ status }), `${status} is alive`);
  for (const status of [408, 503]) t.notOk(isAlive({ status }), `${status} is not`);
  t.notOk(isAlive({ status: 180 }), 'a provisional is not a final answer');
  t.notOk(isAlive({ error: 'timeout' }));
});

t.test('never pinged counts as up; down after downAfter failures in a row, not before', async (t) => {
  let h: TargetHealth | null = null;
  h = nextHealth(h, { error: 'timeout' }, thresholds, 1000);
  t.match(h, { state: 'up', failures: 1, successes: 0, since: 1000, lastAt: 1000, lastError: 'timeout' });
  h = nextHealth(h, { status: 503 }, thresholds, 2000);
  t.match(h, { state: 'up', failures: 2, lastStatus: 503, lastError: 'answered 503' });
  h = nextHealth(h, { error: 'timeout' }, thresholds, 3000);
  t.match(h, { state: 'down', failures: 3, since: 3000 }, 'the third failure in a row');
});

t.test('an answer between failures restarts the count', async (t) => {
  let h = nextHealth(null, { error: 'timeout' }, thresholds, 1);
  h = nextHealth(h, { error: 'timeout' }, thresholds, 2);
  h = nextHealth(h, { status: 404 }, thresholds, 3);
  t.match(h, { state: 'up', failures: 0, successes: 1 });
  t.equal(h.lastError, undefined, 'a 404 is an answer, not an error');
  h = nextHealth(h, { error: 'timeout' }, thresholds, 4);
  h = nextHealth(h, { error: 'timeout' }, thresholds, 5);
  t.equal(h.state, 'up', 'two failures after the answer: still up');
});

t.test('up again after upAfter answers in a row; since moves only on a change', async (t) => {
  const down: TargetHealth = { state: 'down', failures: 5, successes: 0, since: 100, lastAt: 500 };
  const one = nextHealth(down, { status: 200 }, thresholds, 600);
  t.match(one, { state: 'down', successes: 1, failures: 0, since: 100 });
  const failedAgain = nextHealth(one, { error: 'timeout' }, thresholds, 700);
  t.match(failedAgain, { state: 'down', successes: 0, failures: 1, since: 100 });
  const two = nextHealth(nextHealth(failedAgain, { status: 200 }, thresholds, 800), { status: 200 }, thresholds, 900);
  t.match(two, { state: 'up', successes: 2, since: 900 });
});

import t from 'tap';
import { DEFAULT_STEERING_LIMITS, leastBusy, STEERING_SAMPLE_MS, SteeringPolicy } from '../../../src/cluster/steering-policy.js';

/** When the primary gathers UDP traffic on one worker, and when it spreads it again. */
const limits = { gatherBelow: 0.3, gatherAfter: 3, spreadAbove: 0.5, spreadAfter: 2 };
const feed = (policy: SteeringPolicy, samples: number[][]): Array<number | undefined> => samples.map((loads) => policy.sample(loads));

t.test('a node starts spread over every worker, and gathers after enough quiet samples in a row', async (t) => {
  const policy = new SteeringPolicy(4, limits);
  t.equal(policy.current, 4);
  t.same(
    feed(policy, [
      [0.1, 0.1, 0.05, 0],
      [0.1, 0.1, 0.05, 0],
    ]),
    [undefined, undefined],
    'two quiet samples: not yet',
  );
  t.same(feed(policy, [[0.2, 0.05, 0.05, 0.05]]), [undefined], 'a sample adding up to 0.35 starts the count again');
  t.same(
    feed(policy, [
      [0.1, 0, 0, 0],
      [0.1, 0, 0, 0],
      [0.29, 0, 0, 0],
    ]),
    [undefined, undefined, 1],
    'three in a row below 0.3: gathered on one',
  );
  t.equal(policy.current, 1);
});

t.test('gathered, it spreads as soon as the busy worker stays above the limit, and only then', async (t) => {
  const policy = new SteeringPolicy(2, limits);
  feed(policy, [[0], [0], [0]]);
  t.equal(policy.current, 1);
  t.same(
    feed(policy, [
      [0.45, 0],
      [0.5, 0],
      [0.6, 0],
      [0.4, 0],
      [0.7, 0],
    ]),
    [undefined, undefined, undefined, undefined, undefined],
    'between the limits, or above once: stays',
  );
  t.same(feed(policy, [[0.8, 0]]), [2], 'a second sample above 0.5 in a row: spread');
  t.same(
    feed(policy, [
      [0.2, 0.05],
      [0.1, 0.1],
    ]),
    [undefined, undefined],
    'the quiet count starts afresh after a change',
  );
});

t.test('one worker, no samples, or gathering turned off: nothing changes', async (t) => {
  t.same(feed(new SteeringPolicy(1, limits), [[0], [0], [0], [0]]), [undefined, undefined, undefined, undefined]);
  t.same(feed(new SteeringPolicy(2, limits), [[], [], [], []]), [undefined, undefined, undefined, undefined]);
  const never = new SteeringPolicy(2, { ...limits, gatherAfter: 0 });
  t.same(
    feed(
      never,
      Array.from({ length: 20 }, () => [0, 0]),
    ).filter((x) => x !== undefined),
    [],
  );
  t.equal(never.current, 2);
});

t.test('the defaults: ten quiet seconds to gather, a busy fifth of a second to spread, a gap between the limits', async (t) => {
  t.same(DEFAULT_STEERING_LIMITS, { gatherBelow: 0.6, gatherAfter: 100, spreadAbove: 0.75, spreadAfter: 2 });
  t.equal((DEFAULT_STEERING_LIMITS.gatherAfter * STEERING_SAMPLE_MS) / 1000, 10, 'seconds to gather');
  t.equal((DEFAULT_STEERING_LIMITS.spreadAfter * STEERING_SAMPLE_MS) / 1000, 0.2, 'seconds to spread');
  t.ok(DEFAULT_STEERING_LIMITS.spreadAbove > DEFAULT_STEERING_LIMITS.gatherBelow);
  const policy = new SteeringPolicy(2);
  for (let n = 0; n < DEFAULT_STEERING_LIMITS.gatherAfter - 1; n++) t.equal(policy.sample([0.3, 0.29]), undefined);
  t.equal(policy.sample([0.3, 0.29]), 1, 'gathered after ten seconds of samples adding up to 0.59');
  t.equal(policy.sample([0.75, 0]), undefined, 'at the limit: stays');
  t.equal(policy.sample([0.76, 0]), undefined, 'one sample above it: stays');
  t.equal(policy.sample([0.5, 0]), undefined, 'and below again: the count starts afresh');
  t.equal(policy.sample([0.9, 0]), undefined);
  t.equal(policy.sample([0.8, 0.1]), 2, 'two in a row above it: spread');
});

t.test('a change is attached by the least busy worker, not the one behind', async (t) => {
  // Workers numbered from 1 in the order of their loads; undefined: not reported yet.
  const pick = (...loads: Array<number | undefined>): number | undefined => leastBusy(loads.map((load, i) => ({ id: i + 1, load })))?.id;
  t.equal(pick(0.95, 0.02), 2, 'the gathered worker is busy: the other one');
  t.equal(pick(0.1, 0.3, 0.2), 1);
  t.equal(pick(0.4, undefined), 2, 'not reported yet: counts as idle');
  t.equal(pick(0.4, 0.4), 1, 'a tie: the first');
  t.equal(pick(), undefined);
});

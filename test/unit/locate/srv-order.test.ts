import t from 'tap';
import { orderByPriorityAndWeight } from '../../../src/core/locate/srv-order.js';

const rec = (name: string, priority: number, weight: number) => ({ name, priority, weight });

/** A random source that returns these values in turn. */
const draws = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

t.test('lowest priority first, whatever the weights', async (t) => {
  const ordered = orderByPriorityAndWeight([rec('c', 30, 100), rec('a', 10, 0), rec('b', 20, 5)], draws(0.99));
  t.same(
    ordered.map((r) => r.name),
    ['a', 'b', 'c'],
  );
});

t.test('within a priority the running sum of the weights picks (RFC 2782)', async (t) => {
  // Weights 10 and 90 (sum 100): a draw of 0..10 picks the first, 11..100 the second.
  const records = [rec('light', 1, 10), rec('heavy', 1, 90)];
  t.same(
    orderByPriorityAndWeight(records, draws(0.05)).map((r) => r.name),
    ['light', 'heavy'],
  );
  t.same(
    orderByPriorityAndWeight(records, draws(0.5)).map((r) => r.name),
    ['heavy', 'light'],
  );
});

t.test('weights share the first pick in proportion over many draws', async (t) => {
  const records = [rec('a', 1, 1), rec('b', 1, 3)];
  let seed = 42;
  const lcg = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let b = 0;
  for (let i = 0; i < 4000; i++) if (orderByPriorityAndWeight(records, lcg)[0]!.name === 'b') b++;
  t.ok(b > 2700 && b < 3300, `b first about 3 times in 4 (${b} / 4000)`);
});

t.test('weight 0 is chosen first only when the draw lands on 0; all zero keeps them all', async (t) => {
  const records = [rec('w5', 1, 5), rec('zero', 1, 0)];
  t.same(
    orderByPriorityAndWeight(records, draws(0)).map((r) => r.name),
    ['zero', 'w5'],
  );
  t.same(
    orderByPriorityAndWeight(records, draws(0.5)).map((r) => r.name),
    ['w5', 'zero'],
  );
  t.same(orderByPriorityAndWeight([rec('x', 1, 0), rec('y', 1, 0)], draws(0.7)).length, 2);
});

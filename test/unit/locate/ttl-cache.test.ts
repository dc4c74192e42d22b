import t from 'tap';
import { TtlCache } from '../../../src/core/locate/ttl-cache.js';

t.test('an entry lives for its TTL', async (t) => {
  let now = 1000;
  const cache = new TtlCache<string>(10, () => now);
  cache.set('a', 'x', 500);
  t.equal(cache.get('a'), 'x');
  now = 1499;
  t.equal(cache.get('a'), 'x');
  now = 1500;
  t.equal(cache.get('a'), undefined, 'expired');
  cache.set('b', 'y', 0);
  t.equal(cache.get('b'), undefined, 'a TTL of 0 is not cached');
});

t.test('bounded: the entry written longest ago goes first', async (t) => {
  const cache = new TtlCache<number>(2, () => 0);
  cache.set('a', 1, 1000);
  cache.set('b', 2, 1000);
  cache.set('a', 3, 1000); // rewritten: now the newest
  cache.set('c', 4, 1000);
  t.equal(cache.size, 2);
  t.equal(cache.get('b'), undefined, 'b was the oldest');
  t.equal(cache.get('a'), 3);
  t.equal(cache.get('c'), 4);
});

import t from 'tap';
import { ExpiryQueue } from '../../../src/core/transactions/timers.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/**
 * The shared expiry queue lives as long as the node and takes one entry per
 * finished transaction (tens of thousands a minute under load): the entries
 * that ran must be let go of, or the queue grows without bound.
 */
const internals = (queue: ExpiryQueue) => queue as unknown as { deadlines: number[]; waiting: unknown[] };
const held = (queue: ExpiryQueue) => internals(queue).deadlines.length;

t.test('entries that ran are released from memory', async (t) => {
  const clock = new FakeClock();
  const queue = new ExpiryQueue(clock, 100);
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 3000; i++) queue.add(1000, { waitOver: () => undefined });
    clock.advance(1000);
    t.equal(queue.size, 0, `round ${round}: all ran`);
    t.ok(held(queue) < 3000, `round ${round}: the ${held(queue)} entries held are fewer than one round's`);
    t.equal(internals(queue).waiting.filter((w) => w !== undefined).length, 0, `round ${round}: nothing that waited is still referenced`);
  }
  queue.stop();
});

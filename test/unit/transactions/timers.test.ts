import t from 'tap';
import { systemClock } from '../../../src/core/transactions/clock.js';
import { ExpiryQueue, T1, TIMER_64T1 } from '../../../src/core/transactions/timers.js';
import { cancelledInviteKey } from '../../../src/core/transactions/transaction-key.js';
import { FakeClock } from '../../helpers/fake-clock.js';

/** The shared expiry queue (Timer J / Timer I) and the system clock behind the transaction timers. */

t.test('ExpiryQueue runs each entry once, when due, in order, on its own interval', async (t) => {
  const clock = new FakeClock();
  const queue = new ExpiryQueue(clock, 200);
  const ran: string[] = [];
  queue.add(1000, { waitOver: () => ran.push('a') });
  clock.advance(100);
  queue.add(1000, { waitOver: () => ran.push('b') });
  t.equal(queue.size, 2);
  clock.advance(799);
  t.same(ran, [], 'nothing before its time (ticks at 200..800)');
  clock.advance(201); // t=1100: the tick at 1000 runs a (due exactly then); b is due at 1100, ticked at 1200
  t.same(ran, ['a'], 'due exactly at a tick: runs');
  t.equal(queue.size, 1);
  clock.advance(100);
  t.same(ran, ['a', 'b'], 'the next one at the next tick');
  t.equal(queue.size, 0);
  clock.advance(10_000);
  t.same(ran, ['a', 'b'], 'each runs once');
  queue.stop();
  t.equal(clock.pending, 0, 'stop clears its interval');
});

t.test('ExpiryQueue keeps no timer while empty: its interval starts with the first entry and stops after the last', async (t) => {
  const clock = new FakeClock();
  const queue = new ExpiryQueue(clock, 200);
  t.equal(clock.pending, 0, 'an empty queue wakes nobody');
  const ran: string[] = [];
  queue.add(1000, { waitOver: () => ran.push('a') });
  queue.add(1000, { waitOver: () => ran.push('b') });
  t.equal(clock.pending, 1, 'one interval for all its entries');
  clock.advance(1000);
  t.same(ran, ['a', 'b']);
  t.equal(clock.pending, 0, 'gone with the last entry');
  queue.add(500, { waitOver: () => ran.push('c') });
  t.equal(clock.pending, 1, 'back with the next one');
  clock.advance(400);
  t.same(ran, ['a', 'b'], 'not before its time');
  t.equal(clock.pending, 1, 'still waiting for c');
  clock.advance(200);
  t.same(ran, ['a', 'b', 'c']);
  t.equal(clock.pending, 0);
});

t.test('ExpiryQueue.tick runs what is due without waiting for the interval; many entries stay in order', async (t) => {
  const clock = new FakeClock();
  const queue = new ExpiryQueue(clock, 1_000_000);
  const ran: number[] = [];
  for (let i = 0; i < 3000; i++) queue.add(i < 2000 ? 10 : 20, { waitOver: () => ran.push(i) });
  clock.advance(10);
  queue.tick();
  t.equal(ran.length, 2000, 'the first 2000 are due');
  t.equal(queue.size, 1000, 'the rest wait (after compacting the run ones away)');
  queue.add(5, { waitOver: () => ran.push(-1) });
  clock.advance(10);
  queue.tick();
  t.equal(ran.length, 3001);
  t.same(ran.slice(1998, 2002), [1998, 1999, 2000, 2001], 'in order across the compaction');
  t.equal(ran.at(-1), -1, 'added after the compaction: runs too');
  t.equal(queue.size, 0);
  queue.stop();
});

t.test('RFC 3261 timer values', async (t) => {
  t.equal(T1, 500);
  t.equal(TIMER_64T1, 32_000);
});

t.test('systemClock: real timers, intervals do not keep the process alive, clearing undefined is harmless', async (t) => {
  t.ok(Math.abs(systemClock.now() - Date.now()) < 1000, 'now is the wall clock');
  await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1));
  let fired = false;
  const cancelled = systemClock.setTimeout(() => (fired = true), 1);
  systemClock.clearTimeout(cancelled);
  systemClock.clearTimeout(undefined);
  const interval = systemClock.setInterval(() => undefined, 60_000) as NodeJS.Timeout;
  t.notOk(interval.hasRef(), 'unref');
  systemClock.clearInterval(interval);
  systemClock.clearInterval(undefined);
  let ticks = 0;
  const ticking = systemClock.setInterval(() => ticks++, 1);
  await new Promise((resolve) => setTimeout(resolve, 20));
  systemClock.clearInterval(ticking);
  const after = ticks;
  t.ok(after > 0, 'the interval ran');
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.equal(ticks, after, 'and stopped when cleared');
  t.notOk(fired, 'a cleared timeout never runs');
});

t.test('the INVITE a CANCEL refers to', async (t) => {
  t.equal(cancelledInviteKey('z9hG4bK1|192.0.2.1:5060|CANCEL'), 'z9hG4bK1|192.0.2.1:5060|INVITE');
  t.equal(cancelledInviteKey('z9hG4bKCANCEL|h:|BYE'), 'z9hG4bKCANCEL|h:|BYE', 'only the method at the end');
  t.equal(cancelledInviteKey('a|CANCEL|b'), 'a|CANCEL|b', 'not in the middle');
});

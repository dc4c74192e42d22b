import t from 'tap';
import { CallChannels, type ChannelAccounting } from '../../../src/routing/call-channels.js';

/** Records what CallChannels asks of the shared channel count. */
class FakeChannelStore implements ChannelAccounting {
  readonly held = new Map<string, string>();
  readonly refreshes: string[] = [];
  readonly releases: string[] = [];
  limitFull = false;

  async acquire(sipId: string, legId: string): Promise<boolean> {
    if (this.limitFull) return false;
    this.held.set(legId, sipId);
    return true;
  }
  async refresh(sipId: string, legId: string): Promise<unknown> {
    this.refreshes.push(`${sipId}/${legId}`);
    return 1;
  }
  async release(sipId: string, legId: string): Promise<void> {
    this.releases.push(`${sipId}/${legId}`);
    this.held.delete(legId);
  }
}

/**
 * Builds CallChannels with its refresh interval captured instead of scheduled,
 * so a test runs one refresh round when it chooses, with a clock it sets.
 */
function withFakeTimer(store: ChannelAccounting, options: { ttlMs: number; maxCallMs: number }) {
  const clock = { now: 1_000_000 };
  let tick: (() => void) | undefined;
  let intervalMs: number | undefined;
  const realSetInterval = globalThis.setInterval;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    tick = fn;
    intervalMs = ms;
    return { unref: () => undefined } as unknown as NodeJS.Timeout;
  }) as unknown as typeof setInterval;
  let channels: CallChannels;
  try {
    channels = new CallChannels(store, { ...options, now: () => clock.now });
  } finally {
    globalThis.setInterval = realSetInterval;
  }
  if (!tick) throw new Error('CallChannels scheduled no refresh');
  const run = tick;
  return {
    channels,
    clock,
    intervalMs,
    /** One refresh round, awaited to the end. */
    async refreshRound(): Promise<void> {
      run();
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const OPTIONS = { ttlMs: 90_000, maxCallMs: 3600_000 };

t.test('a call within the maximum duration keeps its channels and has them refreshed', async (t) => {
  const store = new FakeChannelStore();
  const f = withFakeTimer(store, OPTIONS);
  t.equal(f.intervalMs, 30_000, 'refreshed every third of the entry lifetime');
  t.ok(await f.channels.take('call-1', 'line-a', 2, 'in'));
  t.ok(await f.channels.take('call-1', 'line-b', 2, 'out'));

  f.clock.now += 30_000;
  await f.refreshRound();
  t.same(store.refreshes, ['line-a/call-1|in', 'line-b/call-1|out'], 'after 30 s both legs are refreshed');
  t.same(store.releases, [], 'nothing released after 30 s');
  t.ok(f.channels.has('call-1'));

  f.clock.now = 1_000_000 + OPTIONS.maxCallMs; // exactly at the maximum: still a live call
  await f.refreshRound();
  t.ok(f.channels.has('call-1'), 'kept at exactly the maximum duration');
  t.same(store.releases, []);
  t.equal(store.refreshes.length, 4);
  f.channels.stop();
});

t.test('a call past the maximum duration gives its channels back', async (t) => {
  const store = new FakeChannelStore();
  const f = withFakeTimer(store, OPTIONS);
  await f.channels.take('old', 'line-a', 2, 'in');
  f.clock.now += 1000;
  await f.channels.take('young', 'line-a', 2, 'in');

  f.clock.now = 1_000_000 + OPTIONS.maxCallMs + 1;
  await f.refreshRound();
  t.notOk(f.channels.has('old'), 'the old call is let go');
  t.same(store.releases, ['line-a/old|in'], "its channel is released, the young call's is not");
  t.ok(f.channels.has('young'), 'the younger call stays');
  t.same(store.refreshes, ['line-a/young|in'], 'only the younger call is refreshed');
  t.equal(f.channels.activeCalls, 1);
  f.channels.stop();
});

t.test('take, give and end', async (t) => {
  const store = new FakeChannelStore();
  const f = withFakeTimer(store, OPTIONS);
  store.limitFull = true;
  t.notOk(await f.channels.take('c', 'line-a', 1, 'in'), 'every channel in use');
  t.notOk(f.channels.has('c'));
  store.limitFull = false;
  await f.channels.take('c', 'line-a', 1, 'in');
  await f.channels.take('c', 'line-b', 1, 'out');
  await f.channels.give('c', 'line-b', 'out');
  t.same(store.releases, ['line-b/c|out'], 'a failed attempt gives back only its own leg');
  t.ok(f.channels.has('c'));
  await f.channels.end('c');
  t.same(store.releases, ['line-b/c|out', 'line-a/c|in']);
  t.notOk(f.channels.has('c'));
  f.channels.stop();
});

// Channel accounting edges (docs/product.md §2, §5 "Channel"): one channel per
// line and leg, given back leg by leg on a failed attempt, all at the end of the
// call; the defaults (entry lifetime, 12 h maximum call time, calls.maxDuration);
// a timer that neither keeps the process alive nor outlives stop().
import t from 'tap';
import { CallChannels, type ChannelAccounting } from '../../../src/routing/call-channels.js';

class FakeChannelStore implements ChannelAccounting {
  readonly acquired: Array<{ sipId: string; legId: string; channels: number; ttlMs: number }> = [];
  readonly refreshes: Array<{ leg: string; ttlMs: number }> = [];
  readonly releases: string[] = [];
  async acquire(sipId: string, legId: string, channels: number, ttlMs: number): Promise<boolean> {
    this.acquired.push({ sipId, legId, channels, ttlMs });
    return true;
  }
  async refresh(sipId: string, legId: string, ttlMs: number): Promise<unknown> {
    this.refreshes.push({ leg: `${sipId}/${legId}`, ttlMs });
    return 1;
  }
  async release(sipId: string, legId: string): Promise<void> {
    this.releases.push(`${sipId}/${legId}`);
  }
}

/** CallChannels with its interval captured (not scheduled): the callback, its period and whether it was unref'd. */
function captured(store: ChannelAccounting, options: ConstructorParameters<typeof CallChannels>[1]) {
  const timer = { fn: undefined as (() => void) | undefined, ms: undefined as number | undefined, unrefs: 0 };
  const real = globalThis.setInterval;
  globalThis.setInterval = ((fn: () => void, ms: number) => {
    timer.fn = fn;
    timer.ms = ms;
    return { unref: () => void timer.unrefs++ } as unknown as NodeJS.Timeout;
  }) as unknown as typeof setInterval;
  try {
    const channels = new CallChannels(store, options);
    return {
      channels,
      timer,
      async refreshRound(): Promise<void> {
        timer.fn!();
        for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      },
    };
  } finally {
    globalThis.setInterval = real;
  }
}

t.test('defaults: entries live 90 s (refreshed every 30 s), a call is let go after 12 h', async (t) => {
  const store = new FakeChannelStore();
  const clock = { now: 0 };
  const f = captured(store, { now: () => clock.now });
  t.equal(f.timer.ms, 30_000);
  t.equal(f.timer.unrefs, 1, 'the refresh timer does not keep the process alive');
  await f.channels.take('c', 'line-a', 2, 'in');
  t.same(
    store.acquired.map((a) => a.ttlMs),
    [90_000],
    'the channel entry is taken for 90 s',
  );

  clock.now = 12 * 3600_000; // exactly 12 h: still a call
  await f.refreshRound();
  t.same(store.refreshes, [{ leg: 'line-a/c|in', ttlMs: 90_000 }], 'refreshed for another 90 s');
  t.ok(f.channels.has('c'));

  clock.now = 12 * 3600_000 + 1;
  await f.refreshRound();
  t.notOk(f.channels.has('c'), 'past 12 h without a BYE the call is let go');
  t.same(store.releases, ['line-a/c|in']);
});

t.test('channels in use: one per line and leg of every call this node carries', async (t) => {
  const store = new FakeChannelStore();
  const f = captured(store, {});
  t.equal(f.channels.channelsInUse, 0);
  await f.channels.take('c1', 'line-a', 2, 'in');
  await f.channels.take('c1', 'line-b', 2, 'out');
  await f.channels.take('c2', 'line-a', 2, 'in');
  t.equal(f.channels.channelsInUse, 3);
  t.equal(f.channels.activeCalls, 2);
  await f.channels.end('c1');
  t.equal(f.channels.channelsInUse, 1);
  t.equal(f.channels.activeCalls, 1);
});

t.test('a failed attempt gives back only its own line and leg', async (t) => {
  // A hunt group: two members tried in turn, each an outgoing leg of the same call.
  const store = new FakeChannelStore();
  const f = captured(store, {});
  await f.channels.take('h', 'member-1', 1, 'out');
  await f.channels.take('h', 'member-2', 1, 'out');
  await f.channels.give('h', 'member-1', 'out');
  t.same(store.releases, ['member-1/h|out'], "the other member's leg of the same call stays");
  t.equal(f.channels.channelsInUse, 1);

  // A line calling one of its own numbers: both legs of the call are on the same line.
  const own = new FakeChannelStore();
  const g = captured(own, {});
  await g.channels.take('o', 'line-a', 2, 'in');
  await g.channels.take('o', 'line-a', 2, 'out');
  await g.channels.give('o', 'line-a', 'out');
  t.same(own.releases, ['line-a/o|out'], 'the incoming leg on the same line stays');
  t.ok(g.channels.has('o'));
});

t.test('giving back the last leg ends the call; unknown calls are no error', async (t) => {
  const store = new FakeChannelStore();
  const f = captured(store, {});
  await f.channels.take('c', 'line-a', 1, 'out');
  await f.channels.give('c', 'line-a', 'out');
  t.notOk(f.channels.has('c'), 'no leg left: the call is gone');
  t.equal(f.channels.activeCalls, 0);

  await f.channels.give('unknown', 'line-a', 'in');
  await f.channels.end('unknown');
  await f.channels.end('c');
  t.same(store.releases, ['line-a/c|out'], 'nothing more released for calls this node does not carry');
});

t.test('stop(): no refresh runs after it', async (t) => {
  const store = new FakeChannelStore();
  // Real timers, a short entry lifetime: refreshed every 10 ms while running.
  const channels = new CallChannels(store, { ttlMs: 30 });
  await channels.take('c', 'line-a', 1, 'in');
  for (let i = 0; i < 200 && store.refreshes.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  t.ok(store.refreshes.length > 0, 'refreshed while running');
  channels.stop();
  const before = store.refreshes.length;
  await new Promise((resolve) => setTimeout(resolve, 60));
  t.equal(store.refreshes.length, before, 'no refresh after stop()');
});

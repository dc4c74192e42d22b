import dgram from 'node:dgram';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import t from 'tap';
import { SipServer } from '../../../src/core/server/sip-server.js';
import {
  BUSY_LOAD,
  CALM_FACTOR,
  MAX_BELIEVED_WAIT_MS,
  nextProbeIn,
  PROBE_INTERVAL_MS,
  PROBES_PER_SOCKET,
  QueueProbe,
  reachableAddress,
} from '../../../src/core/transport/queue-probe.js';
import { NO_CHOICE, steeredIndex } from '../../../src/core/transport/steering/dialog-steering.js';
import type { WireMessage } from '../../../src/core/transport/transport.js';
import { createLogger } from '../../../src/log.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { fakeTransports } from '../../helpers/fake-transport.js';

const TOKEN = Buffer.alloc(16, 7);

/** A probe on a clock the test moves (ns), and the waits it reports (ms). */
function probeAt(start = 5_000_000_000n, token = TOKEN) {
  const clock = { ns: start };
  const delays: number[] = [];
  const probe = new QueueProbe({ token, onDelay: (ms) => delays.push(ms), now: () => clock.ns });
  return { probe, clock, delays };
}

t.test('a probe read back reports how long it waited, in ms', async (t) => {
  const { probe, clock, delays } = probeAt();
  const datagram = probe.encode();
  clock.ns += 250_500_000n;
  t.equal(probe.received(datagram), true, 'recognised as ours');
  t.same(delays, [250.5]);
});

t.test('another process of the node (same token, same clock) reads it too', async (t) => {
  const sender = probeAt(7_000_000_000n);
  const reader = probeAt(7_040_000_000n);
  t.equal(reader.probe.received(sender.probe.encode()), true);
  t.same(reader.delays, [40]);
});

t.test('anything else is not a probe, and reports nothing', async (t) => {
  const { probe, delays } = probeAt();
  const foreign = probeAt(5_000_000_000n, Buffer.alloc(16, 8)).probe.encode();
  t.equal(probe.received(foreign), false, "another node's token (or a guess) is not ours");
  t.equal(probe.received(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\n')), false, 'a SIP message');
  t.equal(probe.received(Buffer.from([0, 0x51, 0x50, 0x31])), false, 'the first bytes alone');
  const own = probe.encode();
  t.equal(probe.received(own.subarray(0, 27)), false, 'cut short before the stamp ends');
  const magicChanged = Buffer.from(own);
  magicChanged[1] = 0x52;
  t.equal(probe.received(magicChanged), false, 'a different first word');
  t.same(delays, []);
});

t.test('a stamp from the future (a clock not shared) is ours but says nothing', async (t) => {
  const { probe, clock, delays } = probeAt();
  const datagram = probe.encode();
  clock.ns -= 1_000_000n;
  t.equal(probe.received(datagram), true);
  t.same(delays, []);
});

t.test('a wait longer than MAX_BELIEVED_WAIT_MS (an old probe replayed) is ours but not believed', async (t) => {
  const { probe, clock, delays } = probeAt();
  const old = probe.encode();
  clock.ns += BigInt(MAX_BELIEVED_WAIT_MS) * 1_000_000n;
  t.equal(probe.received(old), true);
  t.same(delays, [MAX_BELIEVED_WAIT_MS], 'at the cap: believed');
  clock.ns += 1_000_000n;
  t.equal(probe.received(old), true);
  t.same(delays, [MAX_BELIEVED_WAIT_MS], 'past it: not');
});

t.test('a token of the wrong size is refused', async (t) => {
  t.throws(() => new QueueProbe({ token: Buffer.alloc(8), onDelay: () => undefined }), /16 bytes/);
});

t.test('steered by dialog, the probes spread over every worker socket', async (t) => {
  const { probe } = probeAt();
  for (const workers of [2, 4]) {
    const hit = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const index = steeredIndex(probe.encode(), workers);
      t.not(index, NO_CHOICE, 'the program finds the Call-ID');
      hit.add(index);
    }
    t.same([...hit].sort(), [...Array(workers).keys()], `each of ${workers} workers gets probes`);
  }
});

t.test('probes come every interval while the process is busy, CALM_FACTOR times less often while it is not', async (t) => {
  t.equal(nextProbeIn(BUSY_LOAD), PROBE_INTERVAL_MS);
  t.equal(nextProbeIn(1), PROBE_INTERVAL_MS);
  t.equal(nextProbeIn(BUSY_LOAD - 0.01), PROBE_INTERVAL_MS * CALM_FACTOR);
  t.equal(nextProbeIn(0, 20), 20 * CALM_FACTOR);
  t.equal(CALM_FACTOR, 5);
});

t.test('over real sockets, a calm process probes less often', async (t) => {
  const listener = dgram.createSocket('udp4');
  listener.bind(0, '127.0.0.1');
  await once(listener, 'listening');
  t.teardown(() => listener.close());
  const counts = { busy: 0, calm: 0 };
  for (const mode of ['busy', 'calm'] as const) {
    const probe = new QueueProbe({ token: TOKEN, onDelay: () => counts[mode]++, intervalMs: 10, load: () => (mode === 'busy' ? 1 : 0) });
    const reader = (data: Buffer): void => void probe.received(data);
    listener.on('message', reader);
    probe.start(() => [{ address: '127.0.0.1', port: listener.address().port }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    probe.stop();
    listener.off('message', reader);
  }
  // Timers come late on a loaded machine, never early: the busy count has a wide margin, the calm one none needed.
  t.ok(counts.busy >= 15, `busy: about one every 10 ms (${counts.busy} in 500 ms)`);
  t.ok(counts.calm <= 11, `calm: about one every 50 ms (${counts.calm} in 500 ms)`);
});

t.test('a wildcard listener is probed on loopback', async (t) => {
  t.equal(reachableAddress('0.0.0.0'), '127.0.0.1');
  t.equal(reachableAddress('::'), '::1');
  t.equal(reachableAddress('127.0.0.5'), '127.0.0.5');
});

t.test('over real sockets: every interval, from a new port every PROBES_PER_SOCKET probes, until stopped', async (t) => {
  const listener = dgram.createSocket('udp4');
  listener.bind(0, '127.0.0.1');
  await once(listener, 'listening');
  t.teardown(() => listener.close());
  const delays: number[] = [];
  const probe = new QueueProbe({ token: TOKEN, onDelay: (ms) => delays.push(ms), intervalMs: 5, load: () => 1 });
  const ports: number[] = [];
  const numbers: number[] = [];
  listener.on('message', (data, rinfo) => {
    if (!probe.received(data)) return;
    ports.push(rinfo.port);
    numbers.push(Number(/queue-probe-\d+-(\d+)/.exec(data.toString('latin1'))?.[1]));
  });
  // Counts the probes made: one sent just before stop may still arrive after it.
  let made = 0;
  const encode = probe.encode.bind(probe);
  probe.encode = () => (made++, encode());
  probe.start(() => [{ address: '127.0.0.1', port: listener.address().port }]);
  t.teardown(() => probe.stop());
  while (delays.length < 2 * PROBES_PER_SOCKET + 1) await new Promise((resolve) => setTimeout(resolve, 10));
  probe.stop();
  const madeBeforeStop = made;
  t.ok(
    delays.every((ms) => ms >= 0 && ms < 10_000),
    'each wait is measured',
  );
  t.equal(new Set(ports.slice(0, PROBES_PER_SOCKET)).size, 1, 'one socket for the first ones');
  t.ok(new Set(ports).size > 1, 'then the source port changes, so a source hash spreads them too');
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.equal(made, madeBeforeStop, 'none made after stop');
  t.ok(
    numbers.every((n) => n >= 1 && n <= madeBeforeStop),
    'every one received was made before stop',
  );
});

t.test('the server measures probes and passes them on to nothing: no SIP parsing, no capture', async (t) => {
  const { factory, made } = fakeTransports();
  const tapped: WireMessage[] = [];
  const { probe, delays } = probeAt();
  const server = new SipServer({
    listen: [{ transport: 'udp', address: '127.0.0.1', port: 5090 }],
    log: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    clock: new FakeClock(),
    transportFactory: factory,
    wireTap: (m) => tapped.push(m),
    queueProbe: probe,
  });
  t.teardown(() => server.close());
  const transport = made[0]!;
  transport.deliver(probe.encode().toString('latin1'), { address: '127.0.0.1', port: 40000 });
  t.equal(delays.length, 1, 'measured');
  t.same(tapped, [], 'not captured');
  t.same(transport.sent, [], 'not answered');

  const foreign = probeAt(5_000_000_000n, Buffer.alloc(16, 9)).probe.encode();
  transport.deliver(foreign.toString('latin1'), { address: '192.0.2.1', port: 40000 });
  t.equal(delays.length, 1, "another token's datagram is not measured...");
  t.equal(tapped.length, 1, '...but goes on like any other datagram (here: malformed)');
});

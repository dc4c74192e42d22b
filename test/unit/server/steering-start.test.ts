import t from 'tap';
import { SipServer } from '../../../src/core/server/sip-server.js';
import type { TransportFactory } from '../../../src/core/server/sip-transports.js';
import { capturedLog } from '../../helpers/captured-log.js';
import { FakeTransport } from '../../helpers/fake-transport.js';

/**
 * At start a worker asks each UDP transport to steer its datagrams among the
 * node's workers (config udpSteering: dialog), and says what came of it: done,
 * or why not, in which case the kernel goes on hashing sources.
 */
function start(steerAmong: number | undefined, answers: Array<string | null>) {
  const asked: number[] = [];
  const { log, lines: logged } = capturedLog();
  let made = 0;
  const factory: TransportFactory = (spec, onMessage) => {
    const answer = answers[made++] ?? null;
    // Only UDP transports can steer: the TCP one has no steer().
    if (spec.transport !== 'udp') return new FakeTransport(spec, onMessage);
    return Object.assign(new FakeTransport(spec, onMessage), {
      steer: (workers: number) => {
        asked.push(workers);
        return Promise.resolve(answer);
      },
    });
  };
  const server = new SipServer({
    listen: [
      { transport: 'udp', address: '127.0.0.1', port: 5090 },
      { transport: 'tcp', address: '127.0.0.1', port: 5090 },
      { transport: 'udp', address: '127.0.0.2', port: 5092 },
    ],
    log,
    transportFactory: factory,
    worker: 1,
    ...(steerAmong === undefined ? {} : { steerAmong }),
  });
  t.teardown(() => server.close());
  return { server, asked, logged };
}

t.test('with several workers each UDP transport is steered, and the outcome is logged per socket', async (t) => {
  const { server, asked, logged } = start(3, [null, null, 'bpf(BPF_PROG_LOAD): Operation not permitted']);
  await server.listen();
  t.same(asked, [3, 3], 'both UDP transports, for 3 workers; not the TCP one');
  t.match(
    logged.filter((l) => l.event === 'udp.steering'),
    [{ level: 'info', transport: 'UDP', address: '127.0.0.1', port: 5090, among: 3 }],
  );
  t.match(
    logged.filter((l) => l.event === 'udp.steering_unavailable'),
    [{ level: 'warn', transport: 'UDP', address: '127.0.0.2', port: 5092, why: 'bpf(BPF_PROG_LOAD): Operation not permitted' }],
  );
});

t.test('one worker, or steering by source: nothing is attached', async (t) => {
  for (const among of [undefined, 1]) {
    const { server, asked, logged } = start(among, [null, null, null]);
    await server.listen();
    t.same(asked, [], `steerAmong ${among}: not asked`);
    t.same(
      logged.filter((l) => String(l.event).startsWith('udp.steering')),
      [],
    );
  }
});

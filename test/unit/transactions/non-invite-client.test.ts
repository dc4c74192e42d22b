import t from 'tap';
import type { Destination } from '../../../src/core/transport/transport.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { recordingClient, request, response, TCP_PEER, UDP_PEER } from '../../helpers/transaction-fixtures.js';

/** RFC 3261 §17.1.2 (figure 6): Timers E, F and K on a fake clock. */
function setup(destination: Destination = UDP_PEER) {
  return recordingClient(request('OPTIONS'), destination);
}

/** Times (ms) at which the request went out, advancing 100 ms at a time up to `until`. */
function sendTimes(clock: FakeClock, sent: unknown[], until: number): number[] {
  const times: number[] = [];
  let seen = sent.length;
  for (let now = 0; now < until; now += 100) {
    clock.advance(100);
    if (sent.length > seen) times.push(clock.now());
    seen = sent.length;
  }
  return times;
}

t.test('Timer E in Trying: T1, 2*T1, 4*T1, then capped at T2', async (t) => {
  const { clock, sent, tx } = setup();
  t.equal(tx.state, 'trying');
  t.same(sendTimes(clock, sent, 16_000), [500, 1500, 3500, 7500, 11_500, 15_500]);
});

t.test('Timer E in Proceeding: every T2', async (t) => {
  const { clock, sent, tx, heard } = setup();
  clock.advance(500); // 2 sends so far; the next is due at 1500
  tx.onResponse(response(100, 'OPTIONS'));
  t.equal(tx.state, 'proceeding');
  t.same(heard, [100]);
  clock.advance(1000);
  t.equal(sent.length, 3, 'the pending retransmission still goes');
  clock.advance(3999);
  t.equal(sent.length, 3);
  clock.advance(1);
  t.equal(sent.length, 4, 'then every T2 = 4 s');
});

t.test('Timer F: no final in 64*T1 -> Terminated, TU told once', async (t) => {
  const { clock, tx, timeouts } = setup();
  clock.advance(31_999);
  t.equal(timeouts(), 0);
  clock.advance(1);
  t.equal(timeouts(), 1);
  t.equal(tx.state, 'terminated');
  t.equal(clock.pending, 0);
});

t.test('a final moves to Completed: copies absorbed, retransmissions stop, Timer K = T4 ends it', async (t) => {
  const { clock, tx, sent, heard } = setup();
  tx.onResponse(response(200, 'OPTIONS'));
  t.equal(tx.state, 'completed');
  tx.onResponse(response(200, 'OPTIONS'));
  tx.onResponse(response(180, 'OPTIONS'));
  t.same(heard, [200], 'the copy and a late 1xx stay here');
  clock.advance(4_999);
  t.equal(tx.state, 'completed');
  t.equal(sent.length, 1, 'no retransmission in Completed');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer K');
});

t.test('over TCP: no Timer E and Timer K is zero', async (t) => {
  const { clock, tx, sent } = setup(TCP_PEER);
  clock.advance(20_000);
  t.equal(sent.length, 1);
  tx.onResponse(response(404, 'OPTIONS'));
  t.equal(tx.state, 'terminated');
});

import t from 'tap';
import { TIMER_D } from '../../../src/core/transactions/timers.js';
import type { Destination } from '../../../src/core/transport/transport.js';
import { recordingClient, request, response, TCP_PEER, UDP_PEER } from '../../helpers/transaction-fixtures.js';

/** RFC 3261 §17.1.1 (figure 5) with RFC 6026 §7.2 (Accepted, Timer M), on a fake clock. */
function setup(destination: Destination = UDP_PEER) {
  return recordingClient(request('INVITE'), destination);
}

t.test('Timer A: the INVITE is sent, then again at T1, 2*T1, 4*T1 … after the first send (UDP)', async (t) => {
  const { clock, sent, tx } = setup();
  t.equal(tx.state, 'calling');
  t.equal(sent.length, 1, 'sent at once');
  clock.advance(499);
  t.equal(sent.length, 1, 'nothing before T1');
  clock.advance(1);
  t.equal(sent.length, 2, 'first retransmission at 500 ms');
  clock.advance(1000);
  t.equal(sent.length, 3, 'then 1 s later');
  clock.advance(2000);
  t.equal(sent.length, 4, 'then 2 s later');
  clock.advance(3999);
  t.equal(sent.length, 4);
  clock.advance(1);
  t.equal(sent.length, 5, 'then 4 s later: Timer A doubles without the T2 cap');
  t.ok(sent.every((r) => r.method === 'INVITE'));
});

t.test('Timer B: no final in 64*T1 ends the transaction and tells the TU once', async (t) => {
  const { clock, tx, sent, timeouts, terminated } = setup();
  clock.advance(31_999);
  t.equal(timeouts(), 0);
  t.equal(tx.state, 'calling');
  clock.advance(1);
  t.equal(timeouts(), 1, 'TU hears the timeout');
  t.equal(tx.state, 'terminated');
  t.equal(terminated(), 1);
  const count = sent.length;
  clock.advance(60_000);
  t.equal(sent.length, count, 'no retransmission after Terminated');
  t.equal(timeouts(), 1);
  t.equal(clock.pending, 0, 'no timer left');
});

t.test('Timer B still runs in Proceeding: a branch that rings forever ends', async (t) => {
  const { clock, tx, timeouts } = setup();
  tx.onResponse(response(180));
  clock.advance(32_000);
  t.equal(timeouts(), 1);
  t.equal(tx.state, 'terminated');
});

t.test('a 1xx moves Calling -> Proceeding, stops Timer A, and goes up each time', async (t) => {
  const { clock, tx, sent, heard } = setup();
  tx.onResponse(response(100));
  t.equal(tx.state, 'proceeding');
  tx.onResponse(response(180));
  t.equal(tx.state, 'proceeding');
  t.same(heard, [100, 180]);
  clock.advance(10_000);
  t.equal(sent.length, 1, 'no retransmission in Proceeding');
});

t.test('a 2xx moves to Accepted (RFC 6026): each 2xx copy goes up; Timer M ends it', async (t) => {
  const { clock, tx, heard, sent, terminated } = setup();
  tx.onResponse(response(180));
  tx.onResponse(response(200));
  t.equal(tx.state, 'accepted');
  tx.onResponse(response(200));
  t.same(heard, [180, 200, 200], 'the copy reaches the TU (it ACKs each one)');
  tx.onResponse(response(180));
  tx.onResponse(response(486));
  t.same(heard, [180, 200, 200], 'a 1xx or a failure in Accepted is refused');
  t.equal(sent.filter((r) => r.method === 'ACK').length, 0, 'the transaction never ACKs a 2xx');
  clock.advance(31_999);
  t.equal(tx.state, 'accepted');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer M = 64*T1');
  t.equal(terminated(), 1);
  tx.onResponse(response(200));
  t.same(heard, [180, 200, 200], 'nothing goes up after Terminated');
});

t.test('a failure moves to Completed: ACKed at once, each copy ACKed again and absorbed; Timer D ends it', async (t) => {
  const { clock, tx, heard, sent } = setup();
  clock.advance(500); // one Timer A retransmission
  tx.onResponse(response(486));
  t.equal(tx.state, 'completed');
  const acks = () => sent.filter((r) => r.method === 'ACK');
  t.equal(acks().length, 1);
  const ack = acks()[0]!;
  t.equal(ack.headers.get('cseq'), '1 ACK');
  t.equal(ack.headers.get('to'), '<sip:bob@example.test>;tag=b1', 'To from the response (its tag)');
  t.equal(ack.headers.get('via'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-t1', 'same branch as the INVITE');
  tx.onResponse(response(486));
  t.equal(acks().length, 2, 'a retransmitted failure is ACKed again');
  t.same(heard, [486], '… and not passed up');
  tx.onResponse(response(200));
  tx.onResponse(response(180));
  t.same(heard, [486], 'a 2xx or 1xx in Completed is refused');
  const invites = sent.filter((r) => r.method === 'INVITE').length;
  clock.advance(TIMER_D - 1);
  t.equal(sent.filter((r) => r.method === 'INVITE').length, invites, 'Timer A stopped');
  t.equal(tx.state, 'completed');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer D on UDP');
  t.equal(TIMER_D, 16_000, 'Timer D as this node has always run it (see timers.ts)');
});

t.test('over TCP: no Timer A, and Timer D is zero', async (t) => {
  const { clock, tx, sent, heard } = setup(TCP_PEER);
  clock.advance(10_000);
  t.equal(sent.length, 1, 'no retransmission on a reliable transport');
  tx.onResponse(response(503));
  t.equal(tx.state, 'terminated', 'Completed -> Terminated at once');
  t.same(heard, [503]);
  t.equal(sent.filter((r) => r.method === 'ACK').length, 1);
});

t.test('terminate() (the TU gives up) stops every timer and refuses later responses', async (t) => {
  const { clock, tx, sent, heard, timeouts } = setup();
  tx.terminate();
  t.equal(tx.state, 'terminated');
  clock.advance(64_000);
  t.equal(sent.length, 1);
  t.equal(timeouts(), 0, 'no Timer B after an abort');
  tx.onResponse(response(200));
  t.same(heard, []);
  t.equal(clock.pending, 0);
});

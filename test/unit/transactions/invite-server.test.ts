import t from 'tap';
import type { SipResponse } from '../../../src/core/messages/index.js';
import { InviteServerTransaction } from '../../../src/core/transactions/invite-server-transaction.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { response, TCP_SOURCE, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** RFC 3261 §17.2.1 (figure 7) with RFC 6026 §7.1 (Accepted, Timer L): Timers G, H, I, L on a fake clock. */
function setup(source: Source = UDP_SOURCE) {
  const clock = new FakeClock();
  const sent: number[] = [];
  let terminated = 0;
  const tx = new InviteServerTransaction(
    'k',
    source,
    (r: SipResponse) => {
      sent.push(r.status);
      return () => sent.push(r.status);
    },
    () => {
      terminated++;
    },
    (delay, self) => clock.setTimeout(() => self.waitOver(), delay),
    clock,
  );
  return { clock, tx, sent, terminated: () => terminated };
}

t.test('Proceeding: a retransmitted INVITE gets the last provisional again', async (t) => {
  const { tx, sent } = setup();
  tx.onRetransmission();
  t.same(sent, [], 'nothing to resend yet');
  tx.respond(response(100));
  tx.respond(response(180));
  t.equal(tx.state, 'proceeding');
  tx.onRetransmission();
  t.same(sent, [100, 180, 180]);
});

t.test('a 2xx moves to Accepted: INVITE copies absorbed, later responses refused, Timer L ends it', async (t) => {
  const { clock, tx, sent, terminated } = setup();
  tx.respond(response(200));
  t.equal(tx.state, 'accepted');
  t.equal(tx.lastStatus, 200);
  tx.onRetransmission();
  tx.respond(response(486));
  tx.respond(response(180));
  t.same(sent, [200], "the 2xx is the TU's to retransmit; nothing else goes out");
  clock.advance(31_999);
  t.equal(tx.state, 'accepted');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer L = 64*T1');
  t.equal(terminated(), 1);
});

t.test('a failure moves to Completed: Timer G retransmits at T1, 2*T1 … capped at T2', async (t) => {
  const { clock, tx, sent } = setup();
  tx.respond(response(486));
  t.equal(tx.state, 'completed');
  const times: number[] = [];
  for (let i = 0; i < 160; i++) {
    const before = sent.length;
    clock.advance(100);
    if (sent.length > before) times.push(clock.now());
  }
  t.same(times, [500, 1500, 3500, 7500, 11_500, 15_500]);
  tx.onRetransmission();
  t.equal(sent.at(-1), 486, 'an INVITE copy in Completed gets the failure again');
});

t.test('Timer H: no ACK in 64*T1 -> Terminated, ackTimedOut set, Timer G stops', async (t) => {
  const { clock, tx, sent, terminated } = setup();
  tx.respond(response(500));
  clock.advance(31_999);
  t.equal(tx.ackTimedOut, false);
  clock.advance(1);
  t.equal(tx.state, 'terminated');
  t.equal(tx.ackTimedOut, true);
  t.equal(terminated(), 1);
  const count = sent.length;
  clock.advance(10_000);
  t.equal(sent.length, count);
  t.equal(clock.pending, 0);
});

t.test('the ACK moves Completed -> Confirmed: Timer G and H stop; ACK copies absorbed; Timer I = T4 ends it', async (t) => {
  const { clock, tx, sent, terminated } = setup();
  tx.respond(response(404));
  clock.advance(500);
  t.equal(sent.length, 2);
  tx.onAck();
  t.equal(tx.state, 'confirmed');
  tx.onAck();
  tx.onRetransmission();
  t.equal(tx.state, 'confirmed');
  t.equal(sent.length, 2, 'nothing more is sent');
  clock.advance(4_999);
  t.equal(tx.state, 'confirmed');
  clock.advance(1);
  t.equal(tx.state, 'terminated', 'Timer I');
  t.equal(tx.ackTimedOut, false);
  t.equal(terminated(), 1);
  clock.advance(64_000);
  t.equal(sent.length, 2);
});

t.test('an ACK before any final response is refused (stays in Proceeding)', async (t) => {
  const { tx } = setup();
  tx.onAck();
  t.equal(tx.state, 'proceeding');
});

t.test('over TCP: no Timer G, and Timer I is zero', async (t) => {
  const { clock, tx, sent } = setup(TCP_SOURCE);
  tx.respond(response(603));
  clock.advance(10_000);
  t.same(sent, [603], 'no retransmission on a reliable transport');
  tx.onAck();
  t.equal(tx.state, 'terminated', 'Confirmed -> Terminated at once');
});

t.test('terminate() (shutdown) ends it from any live state, once', async (t) => {
  const { clock, tx, terminated } = setup();
  tx.respond(response(486));
  tx.terminate();
  tx.terminate();
  t.equal(tx.state, 'terminated');
  t.equal(terminated(), 1);
  t.equal(clock.pending, 0);
});

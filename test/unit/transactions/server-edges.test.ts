import t from 'tap';
import type { SipResponse } from '../../../src/core/messages/index.js';
import { InviteServerTransaction } from '../../../src/core/transactions/invite-server-transaction.js';
import { NonInviteServerTransaction } from '../../../src/core/transactions/non-invite-server-transaction.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { response, TCP_SOURCE, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** Server transactions (RFC 3261 §17.2) at the edges: Timer H on a reliable transport, ends from every state, responses after the final. */
function invite(source: Source = UDP_SOURCE) {
  const clock = new FakeClock();
  const sent: number[] = [];
  const to: Source[] = [];
  const ended: InviteServerTransaction[] = [];
  const later: Array<[number, string]> = [];
  const tx = new InviteServerTransaction(
    'k',
    source,
    (r: SipResponse, dest) => {
      sent.push(r.status);
      to.push(dest);
      return () => sent.push(r.status);
    },
    (self) => ended.push(self),
    (delay, self) => {
      later.push([delay, self.state]);
      clock.setTimeout(() => self.waitOver(), delay);
    },
    clock,
  );
  return { clock, tx, sent, to, ended, later };
}

t.test('over TCP a failure still waits for the ACK: Timer H (64*T1) ends it, with no retransmission', async (t) => {
  const { clock, tx, sent, ended } = invite(TCP_SOURCE);
  tx.respond(response(486));
  t.equal(tx.state, 'completed');
  t.equal(clock.pending, 1, 'Timer H only');
  clock.advance(31_999);
  t.equal(tx.state, 'completed');
  clock.advance(1);
  t.equal(tx.state, 'terminated');
  t.equal(tx.ackTimedOut, true);
  t.same(sent, [486]);
  t.same(ended, [tx], 'the layer is told, with this transaction');
});

t.test('responses go to the source of the request; lastStatus follows them', async (t) => {
  const { tx, to } = invite();
  tx.respond(response(100));
  t.equal(tx.lastStatus, 100);
  tx.respond(response(180));
  t.equal(tx.lastStatus, 180);
  tx.respond(response(404));
  t.equal(tx.lastStatus, 404);
  tx.respond(response(200));
  t.equal(tx.lastStatus, 404, 'a response after the final is not sent');
  t.same(to, [UDP_SOURCE, UDP_SOURCE, UDP_SOURCE]);
  t.equal(tx.reliable, false);
  t.equal(invite(TCP_SOURCE).tx.reliable, true);
});

t.test('Timer L is asked for 64*T1 after a 2xx, Timer I for T4 after the ACK (UDP)', async (t) => {
  const a = invite();
  a.tx.respond(response(200));
  t.same(a.later, [[32_000, 'accepted']], 'Timer L waits in Accepted');
  const b = invite();
  b.tx.respond(response(500));
  b.tx.onAck();
  t.same(b.later, [[5_000, 'confirmed']], 'Timer I waits in Confirmed');
  t.equal(b.clock.pending, 1, 'Timers G and H stopped: only Timer I waits');
});

t.test('Completed: Timer G does not retransmit after the ACK', async (t) => {
  const { clock, tx, sent } = invite();
  tx.respond(response(480));
  clock.advance(400);
  tx.onAck();
  clock.advance(4_000);
  t.same(sent, [480]);
});

t.test('terminate() ends Confirmed and Accepted too, once; not Terminated again', async (t) => {
  const confirmed = invite();
  confirmed.tx.respond(response(486));
  confirmed.tx.onAck();
  confirmed.tx.terminate();
  t.equal(confirmed.tx.state, 'terminated');
  t.equal(confirmed.ended.length, 1);
  confirmed.clock.advance(10_000);
  t.equal(confirmed.ended.length, 1, 'Timer I later changes nothing');
  const accepted = invite();
  accepted.tx.respond(response(200));
  accepted.tx.terminate();
  t.equal(accepted.tx.state, 'terminated');
  accepted.tx.terminate();
  accepted.clock.advance(40_000);
  t.equal(accepted.ended.length, 1);
});

t.test('expire() of a timer the state does not run changes nothing', async (t) => {
  const { tx, ended } = invite();
  tx.expire('timer-i');
  tx.expire('timer-l');
  tx.expire('timer-h');
  t.equal(tx.state, 'proceeding');
  tx.respond(response(486));
  tx.expire('timer-l');
  tx.expire('timer-i');
  t.equal(tx.state, 'completed', 'Timer I runs only after the ACK');
  t.same(ended, []);
});

t.test('non-INVITE: a provisional then a final; a retransmission gets the latest; a 1xx after the final is not sent', async (t) => {
  const sent: number[] = [];
  const completed: NonInviteServerTransaction[] = [];
  const tx = new NonInviteServerTransaction(
    'k',
    TCP_SOURCE,
    (r) => {
      sent.push(r.status);
      return () => sent.push(r.status);
    },
    (self) => completed.push(self),
    () => undefined,
  );
  tx.respond(response(100, 'BYE'));
  t.same(completed, [], 'a provisional does not complete it');
  tx.onRetransmission();
  tx.respond(response(481, 'BYE'));
  t.same(completed, [tx]);
  tx.onRetransmission();
  tx.respond(response(180, 'BYE'));
  t.same(sent, [100, 100, 481, 481]);
  t.equal(tx.reliable, true);
});

t.test('a sender that could not send leaves nothing to retransmit', async (t) => {
  const tx = new NonInviteServerTransaction(
    'k',
    UDP_SOURCE,
    () => undefined,
    () => undefined,
    () => undefined,
  );
  tx.respond(response(200, 'OPTIONS'));
  t.doesNotThrow(() => tx.onRetransmission());
});

t.test('§17.2.1 Proceeding runs no timer: a provisional starts neither Timer G nor Timer H', async (t) => {
  const { clock, tx, sent } = invite();
  tx.respond(response(180));
  t.equal(clock.pending, 0);
  clock.advance(64_000);
  t.equal(tx.state, 'proceeding', 'only the TU ends Proceeding');
  t.equal(tx.ackTimedOut, false);
  t.same(sent, [180]);
});

t.test('§17.2.1 Completed: each INVITE copy gets the failure once more', async (t) => {
  const { tx, sent } = invite(TCP_SOURCE);
  tx.respond(response(486));
  tx.onRetransmission();
  tx.onRetransmission();
  t.same(sent, [486, 486, 486]);
});

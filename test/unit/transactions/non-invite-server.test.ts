import t from 'tap';
import type { SipResponse } from '../../../src/core/messages/index.js';
import { NonInviteServerTransaction } from '../../../src/core/transactions/non-invite-server-transaction.js';
import { response, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** RFC 3261 §17.2.2 (figure 8); Timer J is run by the layer (transaction-layer.test.ts). */
function setup() {
  const sent: number[] = [];
  let completed = 0;
  const tx = new NonInviteServerTransaction(
    'k',
    UDP_SOURCE,
    (r: SipResponse) => {
      sent.push(r.status);
      return () => sent.push(r.status);
    },
    () => {
      completed++;
    },
    () => undefined,
  );
  return { tx, sent, completed: () => completed };
}

t.test('Trying: a retransmission is absorbed without an answer', async (t) => {
  const { tx, sent } = setup();
  t.equal(tx.state, 'trying');
  tx.onRetransmission();
  t.same(sent, []);
});

t.test('a 1xx moves to Proceeding; a retransmission gets it again', async (t) => {
  const { tx, sent } = setup();
  tx.respond(response(100, 'OPTIONS'));
  t.equal(tx.state, 'proceeding');
  tx.onRetransmission();
  t.same(sent, [100, 100]);
});

t.test('a final moves to Completed once: copies answered from here, a second final refused', async (t) => {
  const { tx, sent, completed } = setup();
  tx.respond(response(200, 'OPTIONS'));
  t.equal(tx.state, 'completed');
  t.equal(completed(), 1, 'the layer is told to start Timer J');
  tx.respond(response(500, 'OPTIONS'));
  tx.respond(response(100, 'OPTIONS'));
  tx.onRetransmission();
  t.same(sent, [200, 200], 'the retransmission gets the 200; the later responses never go out');
  t.equal(tx.lastStatus, 200);
  t.equal(completed(), 1);
});

t.test('Timer J is the only way out of Completed', async (t) => {
  const { tx } = setup();
  tx.respond(response(404, 'OPTIONS'));
  t.equal(tx.fire('ack'), false, 'an ACK is no event for a non-INVITE transaction');
  t.equal(tx.fire('timer-h'), false);
  t.equal(tx.state, 'completed');
  t.equal(tx.fire('timer-j'), true);
  t.equal(tx.state, 'terminated');
});

import t from 'tap';
import { StateMachine, transition } from '../../../src/core/transactions/state-machine.js';
import { INVITE_CLIENT, INVITE_SERVER, NON_INVITE_CLIENT, NON_INVITE_SERVER, responseEvent } from '../../../src/core/transactions/states.js';
import { PROXY_BRANCH } from '../../../src/proxy/proxy-branch.js';
import { recordingLayer, request, UDP_PEER, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** The transition tables refuse what the RFC figures do not draw. */

t.test('a refused event leaves the machine where it was', async (t) => {
  const m = new StateMachine(NON_INVITE_SERVER, 'trying');
  t.equal(m.fire('ack'), false);
  t.equal(m.state, 'trying');
  t.equal(m.fire('failure'), true);
  t.equal(m.state, 'completed');
});

t.test('Terminated is final in every table', async (t) => {
  for (const table of [INVITE_CLIENT, NON_INVITE_CLIENT, INVITE_SERVER, NON_INVITE_SERVER, PROXY_BRANCH]) {
    t.same(table.terminated, {}, 'no way out of terminated');
  }
  t.same(PROXY_BRANCH.completed, {}, 'a branch with a final response is done');
});

t.test('INVITE client: RFC 3261 figure 5 with RFC 6026 Accepted', async (t) => {
  t.equal(transition(INVITE_CLIENT, 'calling', '2xx'), 'accepted');
  t.equal(transition(INVITE_CLIENT, 'proceeding', 'failure'), 'completed');
  t.equal(transition(INVITE_CLIENT, 'completed', '2xx'), undefined, 'no 2xx after a failure');
  t.equal(transition(INVITE_CLIENT, 'accepted', 'failure'), undefined);
  t.equal(transition(INVITE_CLIENT, 'accepted', 'timeout'), undefined, 'Timer B does not run in Accepted');
});

t.test('INVITE server: RFC 3261 figure 7 with RFC 6026 Accepted', async (t) => {
  t.equal(transition(INVITE_SERVER, 'proceeding', 'ack'), undefined);
  t.equal(transition(INVITE_SERVER, 'accepted', 'ack'), undefined, "the 2xx ACK is not the transaction's");
  t.equal(transition(INVITE_SERVER, 'completed', 'timer-i'), undefined, 'Timer I only after the ACK');
  t.equal(transition(INVITE_SERVER, 'confirmed', 'timer-i'), 'terminated');
  t.equal(transition(INVITE_SERVER, 'accepted', 'timer-l'), 'terminated');
});

t.test('responses map to events by class', async (t) => {
  t.same([100, 183, 199, 200, 299, 300, 487, 699].map(responseEvent), ['1xx', '1xx', '1xx', '2xx', '2xx', 'failure', 'failure', 'failure']);
});

t.test('proxy branch: CANCEL waits for a provisional; silence only before one', async (t) => {
  t.equal(transition(PROXY_BRANCH, 'trying', 'cancel'), 'cancel-pending');
  t.equal(transition(PROXY_BRANCH, 'cancel-pending', 'provisional'), 'cancelling');
  t.equal(transition(PROXY_BRANCH, 'proceeding', 'cancel'), 'cancelling');
  t.equal(transition(PROXY_BRANCH, 'proceeding', 'silence'), undefined);
  t.equal(transition(PROXY_BRANCH, 'cancelling', 'silence'), undefined);
});

t.test('transactions and proxy branches are state machines themselves, not holders of one (one object less each, 32 s at a time)', async (t) => {
  const { layer } = recordingLayer();
  const client = layer.startClientTransaction(request('INVITE', 'z9hG4bK-sm'), 'z9hG4bK-sm', UDP_PEER, {
    onResponse: () => undefined,
    onTimeout: () => undefined,
  });
  const server = layer.receiveRequest(request('BYE', 'z9hG4bK-sm-bye'), UDP_SOURCE);
  t.ok(client instanceof StateMachine);
  t.ok(server?.kind === 'new' && server.transaction instanceof StateMachine);
  t.notOk(
    Object.values(client).some((v) => v instanceof StateMachine),
    'no machine held in a field',
  );
  t.equal(client.state, 'calling');
  layer.close();
});

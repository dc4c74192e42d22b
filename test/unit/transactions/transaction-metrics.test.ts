import t from 'tap';
import type { SipRequest, SipResponse } from '../../../src/core/messages/index.js';
import { TransactionLayer } from '../../../src/core/transactions/transaction-layer.js';
import { Metrics } from '../../../src/metrics/metrics.js';
import { FakeClock } from '../../helpers/fake-clock.js';
import { Scrape } from '../../helpers/metrics-scrape.js';
import { request, response, UDP_PEER, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** What the transaction layer counts: transactions started, and retransmissions each way. */
function setup() {
  const clock = new FakeClock();
  const metrics = new Metrics({ processMetrics: false });
  const sentRequests: SipRequest[] = [];
  const sentResponses: SipResponse[] = [];
  const layer = new TransactionLayer(
    (r) => {
      sentResponses.push(r);
      return () => sentResponses.push(r);
    },
    (r) => sentRequests.push(r),
    clock,
    metrics,
  );
  t.teardown(() => layer.close());
  const read = async () => Scrape.parse(await metrics.text());
  return { clock, layer, read, sentRequests, sentResponses };
}

t.test('a request copy is a received retransmission; the answer repeated for it is a sent one', async (t) => {
  const { layer, read, sentResponses } = setup();
  const first = layer.receiveRequest(request('OPTIONS'), UDP_SOURCE);
  if (first?.kind !== 'new') return t.fail('no transaction');
  first.transaction.respond(response(200, 'OPTIONS'));
  layer.receiveRequest(request('OPTIONS'), UDP_SOURCE);
  t.equal(sentResponses.length, 2);
  const s = await read();
  t.equal(s.value('softswitch_sip_transactions_total', { kind: 'server' }), 1, 'one server transaction');
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'received' }), 1);
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'sent' }), 1);
});

t.test('Timer A resends an INVITE over UDP: each resend counted, the first sending not', async (t) => {
  const { clock, layer, read, sentRequests } = setup();
  layer.startClientTransaction(request('INVITE', 'z9hG4bK-out'), 'z9hG4bK-out', UDP_PEER, { onResponse: () => undefined, onTimeout: () => undefined });
  t.equal(sentRequests.length, 1);
  let s = await read();
  t.equal(s.value('softswitch_sip_transactions_total', { kind: 'client' }), 1, 'one client transaction');
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'sent' }), 0, 'the first sending is no retransmission');
  clock.advance(500 + 1000 + 10); // Timer A: T1, then 2*T1
  t.equal(sentRequests.length, 3);
  s = await read();
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'sent' }), 2, 'two resends');
});

t.test('Timer G resends a failure response until the ACK', async (t) => {
  const { clock, layer, read, sentResponses } = setup();
  const invite = layer.receiveRequest(request('INVITE'), UDP_SOURCE);
  if (invite?.kind !== 'new') return t.fail('no transaction');
  invite.transaction.respond(response(486));
  clock.advance(500 + 10);
  t.equal(sentResponses.length, 2);
  const s = await read();
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'sent' }), 1);
  t.equal(s.value('softswitch_sip_retransmissions_total', { direction: 'received' }), 0);
});

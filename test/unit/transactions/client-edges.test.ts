import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { ackForFailure } from '../../../src/core/transactions/client-transaction.js';
import type { Destination } from '../../../src/core/transport/transport.js';
import { recordingClient, request, response, TCP_PEER, UDP_PEER } from '../../helpers/transaction-fixtures.js';

/** Client transactions (RFC 3261 §17.1) at the edges: which timers live in which state, and the ACK for a failure (§17.1.1.3). */
function setup(kind: 'INVITE' | 'OPTIONS', destination: Destination = UDP_PEER, req = request(kind)) {
  return recordingClient(req, destination);
}

t.test('INVITE, Completed (UDP): only Timer D is left (Timers A and B stop at the final response)', async (t) => {
  const { clock, tx, timeouts } = setup('INVITE');
  clock.advance(1_000);
  tx.onResponse(response(404));
  t.equal(clock.pending, 1, 'Timer D alone');
  clock.advance(16_000);
  t.equal(tx.state, 'terminated');
  t.equal(timeouts(), 0, 'Timer B never fired');
  t.equal(clock.pending, 0);
});

t.test('INVITE, Accepted: only Timer M is left; Timer B does not fire there', async (t) => {
  const { clock, tx, timeouts } = setup('INVITE');
  clock.advance(10_000);
  tx.onResponse(response(200));
  t.equal(clock.pending, 1, 'Timer M alone');
  clock.advance(31_999);
  t.equal(tx.state, 'accepted', '64*T1 after the 2xx, not after the INVITE');
  t.equal(timeouts(), 0);
  clock.advance(1);
  t.equal(tx.state, 'terminated');
  t.equal(timeouts(), 0, 'the end of Timer M is no timeout for the TU');
});

t.test('INVITE, Proceeding: Timer A stops, Timer B stays', async (t) => {
  const { clock, tx, sent } = setup('INVITE');
  tx.onResponse(response(180));
  t.equal(clock.pending, 1, 'Timer B alone');
  clock.advance(31_999);
  t.equal(sent.length, 1, 'no retransmission in Proceeding');
});

t.test('non-INVITE, Completed (UDP): only Timer K is left; the TU hears the final once and no timeout', async (t) => {
  const { clock, tx, heard, timeouts, terminated } = setup('OPTIONS');
  clock.advance(1_000);
  tx.onResponse(response(100, 'OPTIONS'));
  tx.onResponse(response(404, 'OPTIONS'));
  t.equal(clock.pending, 1, 'Timer K alone');
  clock.advance(5_000);
  t.equal(tx.state, 'terminated');
  t.equal(terminated(), 1);
  t.equal(timeouts(), 0);
  t.same(heard, [100, 404]);
  clock.advance(64_000);
  t.equal(timeouts(), 0, 'Timer F was cancelled');
});

t.test('non-INVITE over TCP: the final ends it at once, the TU hears it, no timer is left', async (t) => {
  const { clock, tx, heard, terminated } = setup('OPTIONS', TCP_PEER);
  tx.onResponse(response(200, 'OPTIONS'));
  t.equal(tx.state, 'terminated');
  t.same(heard, [200]);
  t.equal(terminated(), 1);
  t.equal(clock.pending, 0);
});

t.test('non-INVITE: retransmission stops in Completed, Timer E doubling stops at T2 in Trying', async (t) => {
  const { clock, tx, sent } = setup('OPTIONS');
  clock.advance(15_500); // sends at 0, 500, 1500, 3500, 7500, 11500, 15500
  t.equal(sent.length, 7);
  clock.advance(4_000);
  t.equal(sent.length, 8, 'the next T2 later');
  tx.onResponse(response(500, 'OPTIONS'));
  clock.advance(4_000);
  t.equal(sent.length, 8);
});

t.test('terminate() in Completed ends it before Timer D and tells the layer once', async (t) => {
  const { clock, tx, terminated } = setup('INVITE');
  tx.onResponse(response(486));
  tx.terminate();
  t.equal(tx.state, 'terminated');
  t.equal(terminated(), 1);
  t.equal(clock.pending, 1, 'only Timer D, on the shared queue (a wait there is not taken back)');
  clock.advance(20_000);
  t.equal(terminated(), 1, 'Timer D coming after the end changes nothing');
  t.equal(tx.state, 'terminated');
});

t.test('terminate() after Terminated changes nothing', async (t) => {
  const { tx, terminated } = setup('OPTIONS', TCP_PEER);
  tx.onResponse(response(200, 'OPTIONS'));
  tx.terminate();
  t.equal(terminated(), 1);
});

t.test('Timer B over TCP: the INVITE goes once and the TU hears the timeout at 64*T1', async (t) => {
  const { clock, sent, timeouts } = setup('INVITE', TCP_PEER);
  clock.advance(31_999);
  t.equal(timeouts(), 0);
  clock.advance(1);
  t.equal(timeouts(), 1);
  t.equal(sent.length, 1);
});

t.test('a 2xx in Calling (no provisional first) goes up and stops Timer A', async (t) => {
  const { clock, tx, heard, sent } = setup('INVITE');
  tx.onResponse(response(200));
  t.same(heard, [200]);
  t.equal(tx.state, 'accepted');
  clock.advance(10_000);
  t.equal(sent.length, 1);
});

t.test('§17.1.1.3: the ACK for a failure', async (t) => {
  const invite = new SipRequest(
    'INVITE',
    'sip:bob@192.0.2.7;transport=udp',
    new Headers([
      ['Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-top , SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK-below'],
      ['Via', 'SIP/2.0/UDP 10.0.0.6:5060;branch=z9hG4bK-third'],
      ['Route', '<sip:10.0.0.8;lr>'],
      ['Route', '<sip:10.0.0.9;lr>'],
      ['Max-Forwards', '69'],
      ['From', '"Alice" <sip:alice@example.test>;tag=a1'],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', 'call-77'],
      ['CSeq', '314159 INVITE'],
      ['Contact', '<sip:alice@10.0.0.1>'],
      ['Content-Type', 'application/sdp'],
    ]),
    Buffer.from('v=0\r\n'),
  );
  const failure = response(486);
  failure.headers.set('To', '<sip:bob@example.test>;tag=callee-7');
  const ack = ackForFailure(invite, failure);
  t.equal(ack.method, 'ACK');
  t.equal(ack.uri, 'sip:bob@192.0.2.7;transport=udp', 'the Request-URI of the INVITE');
  t.same(ack.headers.getAll('via'), ['SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-top'], 'one Via: the top Via of the INVITE');
  t.same(ack.headers.getAll('route'), ['<sip:10.0.0.8;lr>', '<sip:10.0.0.9;lr>'], 'the Route headers of the INVITE, in order');
  t.equal(ack.headers.get('from'), '"Alice" <sip:alice@example.test>;tag=a1', 'From of the INVITE');
  t.equal(ack.headers.get('to'), '<sip:bob@example.test>;tag=callee-7', 'To of the response (with its tag)');
  t.equal(ack.headers.get('call-id'), 'call-77');
  t.equal(ack.headers.get('cseq'), '314159 ACK', 'the CSeq number of the INVITE, method ACK');
  t.equal(ack.headers.get('max-forwards'), '70');
  t.notOk(ack.headers.has('contact'), 'nothing else of the INVITE');
  t.notOk(ack.headers.has('content-type'));
  t.equal(ack.body.length, 0, 'no body');
  t.same(
    ack.headers.entries().map(([name]) => name),
    ['Via', 'Route', 'Route', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq'],
  );
});

t.test('§17.1.1.3: the ACK when the response has no To, or the INVITE lacks headers', async (t) => {
  const invite = request('INVITE');
  const noTo = response(500);
  noTo.headers.remove('to');
  t.equal(ackForFailure(invite, noTo).headers.get('to'), '<sip:bob@example.test>', 'To of the INVITE');
  const bare = new SipRequest('INVITE', 'sip:x@example.test', new Headers([['CSeq', ' 7 INVITE']]));
  const ack = ackForFailure(bare, noTo);
  t.equal(ack.headers.get('cseq'), '7 ACK');
  t.notOk(ack.headers.has('via'));
  t.equal(ack.headers.get('from'), '');
  t.equal(ack.headers.get('to'), '');
  t.equal(ack.headers.get('call-id'), '');
  const noCseq = new SipRequest('INVITE', 'sip:x@example.test', new Headers());
  t.equal(ackForFailure(noCseq, noTo).headers.get('cseq'), '0 ACK');
});

t.test('each copy of the failure is ACKed with the same ACK; a 1xx after it is dropped', async (t) => {
  const { tx, sent, heard } = setup('INVITE');
  tx.onResponse(response(183));
  tx.onResponse(response(503));
  tx.onResponse(response(503));
  const acks = sent.filter((r) => r.method === 'ACK');
  t.equal(acks.length, 2);
  t.equal(acks[0], acks[1], 'the very same ACK goes again');
  tx.onResponse(response(180));
  t.same(heard, [183, 503]);
});

t.test('RFC 6026 §7.2: Timer M runs from entering Accepted; a later 2xx copy goes up but does not restart it', async (t) => {
  const { clock, tx, heard } = setup('INVITE');
  tx.onResponse(response(200));
  clock.advance(20_000);
  tx.onResponse(response(200));
  t.same(heard, [200, 200]);
  t.equal(clock.pending, 1, 'still the one Timer M, no second one');
  clock.advance(12_000);
  t.equal(tx.state, 'terminated', '64*T1 after the first 2xx');
});

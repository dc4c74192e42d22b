import t from 'tap';
import { SipRequest } from '../../../src/core/messages/index.js';
import { recordingLayer, request, response, UDP_PEER, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** Matching (RFC 3261 §17.1.3, §17.2.3) and the timers the layer runs on its shared queue (J, I, L). */
function setup() {
  const recorded = recordingLayer();
  t.teardown(() => recorded.layer.close());
  return recorded;
}

function ack(branch = 'z9hG4bK-t1'): SipRequest {
  const r = request('ACK', branch);
  r.headers.set('To', '<sip:bob@example.test>;tag=b1');
  return r;
}

t.test('a new request gets a transaction; its retransmission is absorbed; after Timer J it is new again', async (t) => {
  const { clock, layer, responses } = setup();
  const first = layer.receiveRequest(request('OPTIONS'), UDP_SOURCE);
  t.equal(first?.kind, 'new');
  t.equal(layer.receiveRequest(request('OPTIONS'), UDP_SOURCE)?.kind, 'absorbed', 'retransmission in Trying');
  if (first?.kind !== 'new') return;
  first.transaction.respond(response(200, 'OPTIONS'));
  t.equal(layer.receiveRequest(request('OPTIONS'), UDP_SOURCE)?.kind, 'absorbed');
  t.same(responses, [200, 200], 'the copy is answered from the transaction');
  clock.advance(32_000 + 200);
  t.equal(first.transaction.state, 'terminated', 'Timer J (64*T1, on the shared queue)');
  t.equal(layer.size, 0);
  t.equal(layer.receiveRequest(request('OPTIONS'), UDP_SOURCE)?.kind, 'new', 'forgotten after Timer J');
});

t.test('a different branch or method is a different transaction', async (t) => {
  const { layer } = setup();
  t.equal(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-a'), UDP_SOURCE)?.kind, 'new');
  t.equal(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-b'), UDP_SOURCE)?.kind, 'new');
  t.equal(layer.receiveRequest(request('INFO', 'z9hG4bK-a'), UDP_SOURCE)?.kind, 'new');
  t.equal(layer.size, 3);
});

t.test('the ACK for a failure ends in its INVITE transaction (same branch, or a new one matched by dialog); Timer I forgets it', async (t) => {
  const { clock, layer } = setup();
  const invite = layer.receiveRequest(request('INVITE'), UDP_SOURCE);
  if (invite?.kind !== 'new') return t.fail('no transaction');
  invite.transaction.respond(response(486));
  t.equal(layer.receiveRequest(ack('z9hG4bK-other'), UDP_SOURCE)?.kind, 'absorbed', 'matched the RFC 2543 way by Call-ID, From tag, CSeq');
  t.equal(invite.transaction.state, 'confirmed');
  t.equal(layer.receiveRequest(ack(), UDP_SOURCE)?.kind, 'absorbed', 'an ACK copy on the branch');
  clock.advance(5_000 + 200);
  t.equal(invite.transaction.state, 'terminated', 'Timer I');
  t.equal(layer.size, 0);
});

t.test('an ACK matching nothing is the 2xx ACK (no transaction); after a 2xx, INVITE copies are absorbed until Timer L', async (t) => {
  const { clock, layer, responses } = setup();
  const invite = layer.receiveRequest(request('INVITE'), UDP_SOURCE);
  if (invite?.kind !== 'new') return t.fail('no transaction');
  invite.transaction.respond(response(200));
  t.equal(layer.receiveRequest(ack(), UDP_SOURCE)?.kind, 'absorbed', 'an ACK on the branch of an Accepted INVITE stays here');
  t.equal(layer.receiveRequest(ack('z9hG4bK-2xx-ack'), UDP_SOURCE)?.kind, 'ack-2xx', 'the 2xx ACK has its own branch');
  t.equal(layer.receiveRequest(request('INVITE'), UDP_SOURCE)?.kind, 'absorbed');
  t.same(responses, [200], 'the INVITE copy gets nothing from the transaction (the TU retransmits 2xx)');
  clock.advance(32_000 + 200);
  t.equal(invite.transaction.state, 'terminated', 'Timer L');
  t.equal(layer.size, 0);
});

t.test('the top Via is stamped with received when the source address differs (§18.2.1)', async (t) => {
  const { layer } = setup();
  const r = request('OPTIONS');
  layer.receiveRequest(r, { ...UDP_SOURCE, address: '192.0.2.9' });
  t.equal(r.topVia()?.params.received, '192.0.2.9');
});

t.test('responses go to the client transaction of their branch and CSeq method (§17.1.3)', async (t) => {
  const { layer, requests } = setup();
  const heard: number[] = [];
  const invite = request('INVITE', 'z9hG4bK-out');
  layer.startClientTransaction(invite, 'z9hG4bK-out', UDP_PEER, { onResponse: (r) => heard.push(r.status), onTimeout: () => undefined });
  t.equal(requests.length, 1, 'sent');
  t.equal(layer.receiveResponse(response(180, 'INVITE', 'z9hG4bK-other')), false, 'another branch: no match');
  t.equal(layer.receiveResponse(response(180, 'CANCEL', 'z9hG4bK-out')), false, 'same branch, other method: no match');
  t.equal(layer.receiveResponse(response(180, 'INVITE', 'z9hG4bK-out')), true);
  t.same(heard, [180]);
  t.equal(layer.clientCount, 1);
});

t.test('what answered calls leave waiting shares timers: no Node timer per transaction for Timers M, L and J', async (t) => {
  const { clock, layer } = setup();
  const calls = 50;
  const copies: number[] = [];
  for (let i = 0; i < calls; i++) {
    const branch = `z9hG4bK-call-${i}`;
    layer.startClientTransaction(request('INVITE', branch), branch, UDP_PEER, { onResponse: (r) => copies.push(r.status), onTimeout: () => undefined });
    layer.receiveResponse(response(200, 'INVITE', branch));
    const invite = layer.receiveRequest(request('INVITE', `z9hG4bK-in-${i}`), UDP_SOURCE);
    if (invite?.kind === 'new') invite.transaction.respond(response(200));
    const bye = layer.receiveRequest(request('BYE', `z9hG4bK-bye-${i}`), UDP_SOURCE);
    if (bye?.kind === 'new') bye.transaction.respond(response(200, 'BYE'));
  }
  t.equal(layer.clientCount, calls, 'every answered INVITE client transaction waits for 2xx copies (Timer M)');
  t.equal(layer.size, 2 * calls, 'every INVITE (Timer L) and BYE (Timer J) server transaction waits');
  t.equal(clock.pending, 1, 'one interval timer for all of them (Timers M, L and J are all 64*T1)');
  layer.receiveResponse(response(200, 'INVITE', 'z9hG4bK-call-7'));
  t.equal(copies.length, calls + 1, 'a 2xx copy still reaches its transaction user while it waits');
  clock.advance(32_000 + 200);
  t.equal(layer.clientCount, 0, 'Timer M ended every client transaction');
  t.equal(layer.size, 0, 'Timers L and J ended every server transaction');
  t.equal(clock.pending, 0, 'and the interval stopped with the last');
});

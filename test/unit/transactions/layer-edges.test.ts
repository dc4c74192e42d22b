import t from 'tap';
import { Headers, SipRequest } from '../../../src/core/messages/index.js';
import { InviteServerTransaction } from '../../../src/core/transactions/invite-server-transaction.js';
import type { RequestScreen } from '../../../src/core/transactions/transaction-layer.js';
import type { Source } from '../../../src/core/transport/transport.js';
import { recordingLayer, request, response, TCP_SOURCE, UDP_PEER, UDP_SOURCE } from '../../helpers/transaction-fixtures.js';

/** The transaction layer's matching (RFC 3261 §17.1.3, §17.2.3) beyond the common paths, its screen, the worker hand-off, and shutdown. */
function setup() {
  const recorded = recordingLayer();
  t.teardown(() => recorded.layer.close());
  return recorded;
}

const user = { onResponse: () => undefined, onTimeout: () => undefined };

function ack(branch: string): SipRequest {
  const r = request('ACK', branch);
  r.headers.set('To', '<sip:bob@example.test>;tag=b1');
  return r;
}

t.test('a request without a Via or a CSeq gets no transaction', async (t) => {
  const { layer } = setup();
  const noVia = request('OPTIONS');
  noVia.headers.remove('via');
  t.equal(layer.receiveRequest(noVia, UDP_SOURCE), undefined);
  const noCseq = request('OPTIONS');
  noCseq.headers.remove('cseq');
  t.equal(layer.receiveRequest(noCseq, UDP_SOURCE), undefined);
  t.equal(layer.size, 0);
});

t.test('the screen sees each new request with its source; drop and forbid make no transaction', async (t) => {
  const { layer } = setup();
  const seen: Array<[string, string]> = [];
  const screenWith =
    (verdict: 'accept' | 'drop' | 'forbid'): RequestScreen =>
    (r, source) => {
      seen.push([r.method, source.address]);
      return verdict;
    };
  t.same(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-d'), UDP_SOURCE, screenWith('drop')), { kind: 'screened', verdict: 'drop' });
  t.same(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-f'), UDP_SOURCE, screenWith('forbid')), { kind: 'screened', verdict: 'forbid' });
  t.equal(layer.size, 0, 'nothing kept for a screened request');
  t.equal(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-a'), UDP_SOURCE, screenWith('accept'))?.kind, 'new');
  t.equal(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-a'), UDP_SOURCE, screenWith('drop'))?.kind, 'absorbed', 'a retransmission is not screened again');
  t.same(seen, [
    ['OPTIONS', '10.0.0.1'],
    ['OPTIONS', '10.0.0.1'],
    ['OPTIONS', '10.0.0.1'],
  ]);
});

t.test('with other workers: a CANCEL for an INVITE not held here, or an ACK without Route matching nothing, may be theirs', async (t) => {
  const { layer } = setup();
  t.same(layer.receiveRequest(request('CANCEL', 'z9hG4bK-c1'), UDP_SOURCE, undefined, true), { kind: 'elsewhere' });
  t.equal(layer.size, 0, 'no transaction for it here');
  t.same(layer.receiveRequest(ack('z9hG4bK-a1'), UDP_SOURCE, undefined, true), { kind: 'elsewhere' });
  const routed = ack('z9hG4bK-a2');
  routed.headers.set('Route', '<sip:10.0.0.9;lr>');
  t.same(layer.receiveRequest(routed, UDP_SOURCE, undefined, true), { kind: 'ack-2xx' }, 'an ACK with a Route is a 2xx ACK to proxy onwards');
  // The INVITE this CANCEL refers to (same branch and sent-by) is held here: the CANCEL is ours.
  t.equal(layer.receiveRequest(request('INVITE', 'z9hG4bK-i1'), UDP_SOURCE, undefined, true)?.kind, 'new');
  t.equal(layer.receiveRequest(request('CANCEL', 'z9hG4bK-i1'), UDP_SOURCE, undefined, true)?.kind, 'new');
});

t.test('alone on the node: a CANCEL matching nothing is new (answered 481 upstream), an ACK matching nothing is the 2xx ACK', async (t) => {
  const { layer } = setup();
  t.equal(layer.receiveRequest(request('CANCEL', 'z9hG4bK-c1'), UDP_SOURCE)?.kind, 'new');
  t.same(layer.receiveRequest(ack('z9hG4bK-a1'), UDP_SOURCE), { kind: 'ack-2xx' });
});

t.test('§17.2.2 over TCP: a non-INVITE transaction ends at its final response (Timer J is zero)', async (t) => {
  const { layer } = setup();
  const m = layer.receiveRequest(request('OPTIONS'), TCP_SOURCE);
  if (m?.kind !== 'new') return t.fail('no transaction');
  m.transaction.respond(response(100, 'OPTIONS'));
  t.equal(layer.size, 1, 'a provisional keeps it');
  m.transaction.respond(response(200, 'OPTIONS'));
  t.equal(m.transaction.state, 'terminated');
  t.equal(layer.size, 0);
});

t.test('§17.2.1 over TCP: the ACK for a failure ends the INVITE transaction at once (Timer I is zero)', async (t) => {
  const { layer } = setup();
  const m = layer.receiveRequest(request('INVITE'), TCP_SOURCE);
  if (m?.kind !== 'new') return t.fail('no transaction');
  m.transaction.respond(response(486));
  t.equal(layer.receiveRequest(ack('z9hG4bK-t1'), TCP_SOURCE)?.kind, 'absorbed');
  t.equal(m.transaction.state, 'terminated');
  t.equal(layer.size, 0);
});

t.test('the ACK for a failure with a new branch matches only an INVITE of the same Call-ID, From tag and CSeq number', async (t) => {
  const { layer } = setup();
  const m = layer.receiveRequest(request('INVITE'), UDP_SOURCE);
  if (m?.kind !== 'new') return t.fail('no transaction');
  m.transaction.respond(response(486));
  const otherCall = ack('z9hG4bK-x1');
  otherCall.headers.set('Call-ID', 'call-2');
  t.equal(layer.receiveRequest(otherCall, UDP_SOURCE)?.kind, 'ack-2xx');
  const otherTag = ack('z9hG4bK-x2');
  otherTag.headers.set('From', '<sip:alice@example.test>;tag=zz');
  t.equal(layer.receiveRequest(otherTag, UDP_SOURCE)?.kind, 'ack-2xx');
  const otherSeq = ack('z9hG4bK-x3');
  otherSeq.headers.set('CSeq', '2 ACK');
  t.equal(layer.receiveRequest(otherSeq, UDP_SOURCE)?.kind, 'ack-2xx');
  t.equal(m.transaction.state, 'completed', 'none of them is its ACK');
  t.equal(layer.receiveRequest(ack('z9hG4bK-x4'), UDP_SOURCE)?.kind, 'absorbed');
  t.equal(m.transaction.state, 'confirmed');
});

t.test('after Timer H an ACK with a new branch no longer finds the INVITE', async (t) => {
  const { clock, layer } = setup();
  const m = layer.receiveRequest(request('INVITE'), UDP_SOURCE);
  if (m?.kind !== 'new') return t.fail('no transaction');
  m.transaction.respond(response(486));
  clock.advance(32_000);
  t.equal(m.transaction.state, 'terminated');
  t.equal(layer.size, 0);
  t.equal(layer.receiveRequest(ack('z9hG4bK-late'), UDP_SOURCE)?.kind, 'ack-2xx');
});

t.test('a second INVITE of the same dialog and CSeq takes over the ACK matching; the first ending does not drop it', async (t) => {
  const { clock, layer } = setup();
  const first = layer.receiveRequest(request('INVITE', 'z9hG4bK-first'), UDP_SOURCE);
  if (first?.kind !== 'new') return t.fail('no transaction');
  first.transaction.respond(response(486));
  clock.advance(16_000);
  const second = layer.receiveRequest(request('INVITE', 'z9hG4bK-second'), UDP_SOURCE);
  if (second?.kind !== 'new') return t.fail('no transaction');
  second.transaction.respond(response(486));
  clock.advance(16_000); // Timer H of the first
  t.equal(first.transaction.state, 'terminated');
  t.equal(second.transaction.state, 'completed');
  t.equal(layer.receiveRequest(ack('z9hG4bK-third'), UDP_SOURCE)?.kind, 'absorbed', 'matched to the second');
  t.equal(second.transaction.state, 'confirmed');
});

t.test('§17.2.3 without the magic cookie (RFC 2543): matched by Call-ID, CSeq, sent-by and branch', async (t) => {
  const { layer } = setup();
  const old = (seq = 1, branch = 'old-1', host = '10.0.0.1:5060') => {
    const r = request('OPTIONS', branch, seq);
    r.headers.set('Via', `SIP/2.0/UDP ${host};branch=${branch}`);
    return r;
  };
  t.equal(layer.receiveRequest(old(), UDP_SOURCE)?.kind, 'new');
  t.equal(layer.receiveRequest(old(), UDP_SOURCE)?.kind, 'absorbed', 'the same request again');
  t.equal(layer.receiveRequest(old(2), UDP_SOURCE)?.kind, 'new', 'another CSeq');
  t.equal(layer.receiveRequest(old(1, 'old-2'), UDP_SOURCE)?.kind, 'new', 'another branch');
  t.equal(layer.receiveRequest(old(1, 'old-1', '10.0.0.1:5062'), UDP_SOURCE)?.kind, 'new', 'another sent-by port');
  const noBranch = request('OPTIONS');
  noBranch.headers.set('Via', 'SIP/2.0/UDP 10.0.0.1:5060');
  t.equal(layer.receiveRequest(noBranch, UDP_SOURCE)?.kind, 'new');
  t.equal(layer.receiveRequest(noBranch, UDP_SOURCE)?.kind, 'absorbed', 'no branch at all: still matched');
  t.equal(layer.size, 5);
});

t.test('§17.2.3: the sent-by (host and port) is part of the key', async (t) => {
  const { layer } = setup();
  const via = (value: string) => {
    const r = request('OPTIONS');
    r.headers.set('Via', value);
    return r;
  };
  t.equal(layer.receiveRequest(via('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-s'), UDP_SOURCE)?.kind, 'new');
  t.equal(layer.receiveRequest(via('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-s'), UDP_SOURCE)?.kind, 'new', 'no port is another sent-by');
  t.equal(layer.receiveRequest(via('SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-s'), UDP_SOURCE)?.kind, 'new', 'another host');
  t.equal(layer.receiveRequest(via('SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK-s'), UDP_SOURCE)?.kind, 'absorbed');
});

t.test('a response with no CSeq, no Via branch, or after its transaction ended matches nothing', async (t) => {
  const { layer } = setup();
  const tx = layer.startClientTransaction(request('OPTIONS', 'z9hG4bK-o'), 'z9hG4bK-o', UDP_PEER, user);
  const noCseq = response(200, 'OPTIONS', 'z9hG4bK-o');
  noCseq.headers.remove('cseq');
  t.equal(layer.receiveResponse(noCseq), false);
  const noBranch = response(200, 'OPTIONS', 'z9hG4bK-o');
  noBranch.headers.set('Via', 'SIP/2.0/UDP 10.0.0.1:5060');
  t.equal(layer.receiveResponse(noBranch), false);
  t.equal(layer.matchResponse(undefined, 'OPTIONS'), undefined);
  t.equal(layer.matchResponse('z9hG4bK-o', 'OPTIONS'), tx);
  tx.terminate();
  t.equal(layer.clientCount, 0, 'forgotten when it ends');
  t.equal(layer.receiveResponse(response(200, 'OPTIONS', 'z9hG4bK-o')), false);
});

t.test('a client transaction started again on the same branch replaces the old one, whose end leaves it', async (t) => {
  const { layer } = setup();
  const old = layer.startClientTransaction(request('OPTIONS', 'z9hG4bK-r'), 'z9hG4bK-r', UDP_PEER, user);
  const fresh = layer.startClientTransaction(request('OPTIONS', 'z9hG4bK-r'), 'z9hG4bK-r', UDP_PEER, user);
  old.terminate();
  t.equal(layer.matchResponse('z9hG4bK-r', 'OPTIONS'), fresh);
  t.equal(layer.clientCount, 1);
});

t.test('the transaction kind follows the method: INVITE or not', async (t) => {
  const { layer } = setup();
  const invite = layer.receiveRequest(request('INVITE', 'z9hG4bK-k1'), UDP_SOURCE);
  const bye = layer.receiveRequest(request('BYE', 'z9hG4bK-k2'), UDP_SOURCE);
  if (invite?.kind !== 'new' || bye?.kind !== 'new') return t.fail('no transaction');
  t.ok(invite.transaction instanceof InviteServerTransaction);
  t.notOk(bye.transaction instanceof InviteServerTransaction);
  t.equal(invite.transaction.state, 'proceeding', 'figure 7 starts in Proceeding');
  t.equal(bye.transaction.state, 'trying', 'figure 8 starts in Trying');
  const out = layer.startClientTransaction(request('INVITE', 'z9hG4bK-k3'), 'z9hG4bK-k3', UDP_PEER, user);
  const outBye = layer.startClientTransaction(request('BYE', 'z9hG4bK-k4'), 'z9hG4bK-k4', UDP_PEER, user);
  t.equal(out.state, 'calling', 'figure 5 starts in Calling');
  t.equal(outBye.state, 'trying', 'figure 6 starts in Trying');
});

t.test('transactions waiting the same time share one timer', async (t) => {
  const { clock, layer } = setup();
  for (const branch of ['z9hG4bK-q1', 'z9hG4bK-q2', 'z9hG4bK-q3']) {
    const m = layer.receiveRequest(request('OPTIONS', branch), UDP_SOURCE);
    if (m?.kind !== 'new') return t.fail('no transaction');
    m.transaction.respond(response(200, 'OPTIONS', branch));
  }
  t.equal(clock.pending, 1, 'one Timer J queue for the three');
  clock.advance(32_200);
  t.equal(layer.size, 0);
});

t.test('close() ends every server and client transaction and stops the timers', async (t) => {
  const { clock, layer, requests } = setup();
  const invite = layer.receiveRequest(request('INVITE', 'z9hG4bK-c1'), UDP_SOURCE);
  const options = layer.receiveRequest(request('OPTIONS', 'z9hG4bK-c2'), UDP_SOURCE);
  if (invite?.kind !== 'new' || options?.kind !== 'new') return t.fail('no transaction');
  invite.transaction.respond(response(486));
  options.transaction.respond(response(200, 'OPTIONS', 'z9hG4bK-c2'));
  const client = layer.startClientTransaction(request('OPTIONS', 'z9hG4bK-c3'), 'z9hG4bK-c3', UDP_PEER, user);
  layer.close();
  t.equal(layer.size, 0);
  t.equal(layer.clientCount, 0);
  t.equal(invite.transaction.state, 'terminated');
  t.equal(client.state, 'terminated');
  t.equal(clock.pending, 0, 'no timer left running');
  const sent = requests.length;
  clock.advance(64_000);
  t.equal(requests.length, sent, 'nothing retransmitted after close');
  t.equal(layer.receiveRequest(ack('z9hG4bK-other'), UDP_SOURCE)?.kind, 'ack-2xx', 'the ended INVITE takes no ACK');
});

t.test('the top Via of a request from its own address carries no received; a stale received is removed', async (t) => {
  const { layer } = setup();
  const r = request('OPTIONS');
  layer.receiveRequest(r, UDP_SOURCE);
  t.equal(r.headers.get('via'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-t1', 'the text is left as it came');
  const stale = request('OPTIONS', 'z9hG4bK-st');
  stale.headers.set('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-st;received=192.0.2.1');
  layer.receiveRequest(stale, UDP_SOURCE);
  t.equal(stale.topVia()?.params.received, undefined);
  t.equal(stale.headers.get('via'), 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-st');
});

t.test('rport (RFC 3581): the source port is written into the top Via', async (t) => {
  const { layer } = setup();
  const r = request('OPTIONS');
  r.headers.set('Via', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-rp;rport');
  const source: Source = { ...UDP_SOURCE, port: 40_000 };
  layer.receiveRequest(r, source);
  t.equal(r.topVia()?.params.rport, '40000');
  t.equal(r.topVia()?.params.received, '10.0.0.1');
});

t.test('a request built without any header at all is refused quietly', async (t) => {
  const { layer } = setup();
  t.equal(layer.receiveRequest(new SipRequest('OPTIONS', 'sip:x@example.test', new Headers()), UDP_SOURCE), undefined);
});

t.test('without metrics, a client transaction still retransmits (Timer A) and a server one still answers copies', async (t) => {
  const { clock, layer, requests, responses } = setup();
  layer.startClientTransaction(request('INVITE', 'z9hG4bK-nm'), 'z9hG4bK-nm', UDP_PEER, user);
  clock.advance(500);
  t.equal(requests.length, 2, 'the first retransmission at T1');
  t.equal(requests[1], requests[0], 'the same request again');
  const m = layer.receiveRequest(request('INVITE', 'z9hG4bK-nm2'), UDP_SOURCE);
  if (m?.kind !== 'new') return t.fail('no transaction');
  m.transaction.respond(response(486, 'INVITE', 'z9hG4bK-nm2'));
  clock.advance(500);
  t.same(responses, [486, 486], 'Timer G');
});

t.test('§17.2.3 with the magic cookie, branch, sent-by and method alone name the transaction', async (t) => {
  const { layer } = setup();
  t.equal(layer.receiveRequest(request('OPTIONS', 'z9hG4bK-m1', 1), UDP_SOURCE)?.kind, 'new');
  const otherSeq = request('OPTIONS', 'z9hG4bK-m1', 2);
  t.equal(layer.receiveRequest(otherSeq, UDP_SOURCE)?.kind, 'absorbed', 'another CSeq number on the same branch');
  const otherCall = request('OPTIONS', 'z9hG4bK-m1', 1);
  otherCall.headers.set('Call-ID', 'call-other');
  t.equal(layer.receiveRequest(otherCall, UDP_SOURCE)?.kind, 'absorbed', 'another Call-ID on the same branch');
  t.equal(layer.size, 1);
});

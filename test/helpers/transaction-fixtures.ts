import { Headers, SipRequest, SipResponse } from '../../src/core/messages/index.js';
import { InviteClientTransaction, NonInviteClientTransaction } from '../../src/core/transactions/client-transaction.js';
import { TransactionLayer } from '../../src/core/transactions/transaction-layer.js';
import type { Destination, Source } from '../../src/core/transport/transport.js';
import { FakeClock } from './fake-clock.js';

/** Messages and addresses shared by the transaction tests (no sockets). */
export const UDP_PEER: Destination = { transport: 'UDP', address: '10.0.0.2', port: 5060 };
export const TCP_PEER: Destination = { transport: 'TCP', address: '10.0.0.2', port: 5060 };
export const UDP_SOURCE: Source = { transport: 'UDP', address: '10.0.0.1', port: 5060, localAddress: '127.0.0.1', localPort: 5090 };
export const TCP_SOURCE: Source = { ...UDP_SOURCE, transport: 'TCP' };

export function request(method: string, branch = 'z9hG4bK-t1', cseq = 1): SipRequest {
  return new SipRequest(
    method,
    'sip:bob@example.test',
    new Headers([
      ['Via', `SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}`],
      ['Max-Forwards', '70'],
      ['From', '<sip:alice@example.test>;tag=a1'],
      ['To', '<sip:bob@example.test>'],
      ['Call-ID', 'call-1'],
      ['CSeq', `${cseq} ${method}`],
    ]),
  );
}

export function response(status: number, method = 'INVITE', branch = 'z9hG4bK-t1'): SipResponse {
  return new SipResponse(
    status,
    'Test',
    new Headers([
      ['Via', `SIP/2.0/UDP 10.0.0.1:5060;branch=${branch}`],
      ['From', '<sip:alice@example.test>;tag=a1'],
      ['To', `<sip:bob@example.test>${status > 100 ? ';tag=b1' : ''}`],
      ['Call-ID', 'call-1'],
      ['CSeq', `1 ${method}`],
    ]),
  );
}

/**
 * A transaction layer on a fake clock whose sent responses (each
 * retransmission again) and requests passed up are recorded. The caller
 * closes it (t.teardown(() => layer.close())).
 */
export function recordingLayer() {
  const clock = new FakeClock();
  const responses: number[] = [];
  const requests: SipRequest[] = [];
  const layer = new TransactionLayer(
    (r: SipResponse) => {
      responses.push(r.status);
      return () => responses.push(r.status);
    },
    (r) => requests.push(r),
    clock,
  );
  return { clock, layer, responses, requests };
}

/**
 * A started client transaction for `req` (INVITE or not, by its method) on a
 * fake clock, with what it sent, the statuses it passed up, and how often it
 * timed out and terminated.
 */
export function recordingClient(req: SipRequest, destination: Destination = UDP_PEER) {
  const clock = new FakeClock();
  const sent: SipRequest[] = [];
  const heard: number[] = [];
  let timeouts = 0;
  let terminated = 0;
  const Tx = req.method === 'INVITE' ? InviteClientTransaction : NonInviteClientTransaction;
  const tx = new Tx(
    'k',
    req,
    destination,
    (r) => sent.push(r),
    {
      onResponse: (r: SipResponse) => heard.push(r.status),
      onTimeout: () => {
        timeouts++;
      },
    },
    () => {
      terminated++;
    },
    (delay, self) => clock.setTimeout(() => self.waitOver(), delay),
    clock,
  );
  tx.start();
  return { clock, tx, sent, heard, timeouts: () => timeouts, terminated: () => terminated };
}

import { copyVia, type SipRequest, type SipResponse } from '../messages/index.js';
import { stampReceived } from '../transport/via-routing.js';
import type { Destination, Source } from '../transport/transport.js';
import {
  InviteClientTransaction,
  NonInviteClientTransaction,
  type ClientTransaction,
  type ClientTransactionUser,
  type RequestSender,
} from './client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { ResponseSender, ServerTransaction } from './server-transaction.js';
import { cancelledInviteKey, serverTransactionKey } from './transaction-key.js';
import { mayBelongElsewhere } from '../server/worker-dispatch.js';
import { systemClock, type Clock } from './clock.js';
import { ExpiryQueue, TIMER_64T1, type Waiting } from './timers.js';
import type { Metrics } from '../../metrics/metrics.js';

/** What an incoming request is to the transaction layer. */
export type RequestMatch =
  /** A retransmission, or the ACK for a non-2xx: the transaction took care of it. */
  | { kind: 'absorbed' }
  /** An ACK matching no transaction: the ACK for a 2xx, which has none (§17.1.1.3). */
  | { kind: 'ack-2xx' }
  /** A new request, now with its server transaction. */
  | { kind: 'new'; key: string; transaction: ServerTransaction }
  /** A new request the screen turned away before any transaction was made. */
  | { kind: 'screened'; verdict: 'drop' | 'forbid' }
  /** A CANCEL or ACK whose INVITE transaction may be another worker's (worker-dispatch.ts); no transaction was made. */
  | { kind: 'elsewhere' };

/** Looks at a new request before it gets a transaction (e.g. a banned source). */
export type RequestScreen = (request: SipRequest, source: Source) => 'accept' | 'drop' | 'forbid';

/**
 * Holds the live server transactions, keyed per RFC 3261 §17.2.3, and the
 * client transactions, keyed by branch and CSeq method (§17.1.3), and ends
 * them when their timers run out.
 */
export class TransactionLayer {
  private readonly transactions = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();
  /**
   * INVITE server transactions by Call-ID, From tag and CSeq number: some
   * clients send the ACK for a non-2xx with a new branch, so it is matched the
   * RFC 2543 way (§17.2.3) when the branch finds nothing.
   */
  private readonly invitesByDialog = new Map<string, InviteServerTransaction>();
  /** One queue per delay keeps each queue in deadline order. */
  private readonly queues = new Map<number, ExpiryQueue>();

  /**
   * Made once and shared by every transaction (tens of thousands live at
   * once under load, each completed one for 32 s): a closure per transaction
   * was one more object for every scavenge to copy.
   */
  private readonly sender: ResponseSender;
  private readonly requestSender: RequestSender;
  private readonly forgetClient = (tx: ClientTransaction): void => {
    if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
  };
  private readonly forgetServer = (tx: ServerTransaction): void => {
    if (this.transactions.get(tx.key) === tx) this.transactions.delete(tx.key);
  };
  private readonly inviteEnded = (tx: InviteServerTransaction): void => {
    this.forgetServer(tx);
    if (tx.dialogKey !== undefined && this.invitesByDialog.get(tx.dialogKey) === tx) this.invitesByDialog.delete(tx.dialogKey);
  };
  private readonly nonInviteCompleted = (t: NonInviteServerTransaction): void => {
    // Timer J: absorb retransmissions for 64*T1 on UDP; nothing to absorb on TCP or after a stateless answer.
    if (t.reliable || !t.keepsAnswer) t.waitOver();
    else this.later(TIMER_64T1, t);
  };
  /** Timers D, I, J, K, L and M: one queue per delay keeps each queue in deadline order. */
  private readonly later = (delayMs: number, waiting: Waiting): void => {
    let queue = this.queues.get(delayMs);
    if (!queue) {
      queue = new ExpiryQueue(this.clock);
      this.queues.set(delayMs, queue);
    }
    queue.add(delayMs, waiting);
  };

  constructor(
    sender: ResponseSender,
    requestSender: RequestSender,
    private readonly clock: Clock = systemClock,
    private readonly metrics?: Metrics,
  ) {
    this.sender = this.countingResponseResends(sender);
    this.requestSender = this.countingResends(requestSender);
  }

  get size(): number {
    return this.transactions.size;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Starts a client transaction; `branch` must be the one in the request's top Via. */
  startClientTransaction(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): ClientTransaction {
    const key = clientKey(branch, request.method);
    const tx =
      request.method === 'INVITE'
        ? new InviteClientTransaction(key, request, destination, this.requestSender, user, this.forgetClient, this.later, this.clock)
        : new NonInviteClientTransaction(key, request, destination, this.requestSender, user, this.forgetClient, this.later, this.clock);
    this.metrics?.sipTransactionsStarted.inc({ kind: 'client' });
    this.clients.set(key, tx);
    tx.start();
    return tx;
  }

  /**
   * RFC 3261 §17.2.3: match a request to its server transaction (stamping the
   * top Via with received/rport first, §18.2.1). Retransmissions and ACKs
   * for a non-2xx end here; a new request gets its transaction.
   */
  receiveRequest(request: SipRequest, source: Source, screen?: RequestScreen, otherWorkers = false): RequestMatch | undefined {
    const parsedVia = request.topVia();
    const cseq = request.cseq();
    if (!parsedVia || !cseq) return undefined; // the parser guarantees both; belt and braces
    // The parsed Via is shared (read-only): stamp a copy, then write it back.
    const topVia = copyVia(parsedVia);
    if (stampReceived(topVia, source)) request.replaceTopVia(topVia);
    const callId = request.headers.get('call-id') ?? '';
    const key = serverTransactionKey(request, topVia, callId, cseq.seq);
    const existing = this.transactions.get(key);
    if (existing) {
      if (request.method === 'ACK') {
        if (existing instanceof InviteServerTransaction) existing.onAck();
      } else {
        existing.onRetransmission(request);
        this.metrics?.sipRetransmissions.inc({ direction: 'received' });
      }
      return { kind: 'absorbed' };
    }
    const dialogKey = `${callId}|${request.fromTag()}|${cseq.seq}`;
    if (request.method === 'ACK') {
      const invite = this.invitesByDialog.get(dialogKey);
      if (invite && invite.state === 'completed') {
        invite.onAck();
        return { kind: 'absorbed' };
      }
      return otherWorkers && mayBelongElsewhere(request, false) ? { kind: 'elsewhere' } : { kind: 'ack-2xx' };
    }
    if (otherWorkers && request.method === 'CANCEL' && mayBelongElsewhere(request, this.transactions.has(cancelledInviteKey(key)))) {
      return { kind: 'elsewhere' };
    }
    const verdict = screen?.(request, source) ?? 'accept';
    if (verdict !== 'accept') return { kind: 'screened', verdict };
    const transaction = this.createServerTransaction(key, request, source, request.method === 'INVITE' ? dialogKey : undefined);
    return { kind: 'new', key, transaction };
  }

  /** RFC 3261 §17.1.3: hands a response to the client transaction of its top Via branch and CSeq method; false when none. */
  receiveResponse(response: SipResponse): boolean {
    const cseq = response.cseq();
    const tx = cseq ? this.matchResponse(response.topVia()?.params.branch ?? undefined, cseq.method) : undefined;
    tx?.onResponse(response);
    return tx !== undefined;
  }

  /** The client transaction a response belongs to (§17.1.3), if it is still there. */
  matchResponse(branch: string | undefined, cseqMethod: string): ClientTransaction | undefined {
    return branch ? this.clients.get(clientKey(branch, cseqMethod)) : undefined;
  }

  private createServerTransaction(key: string, request: SipRequest, source: Source, dialogKey?: string): ServerTransaction {
    this.metrics?.sipTransactionsStarted.inc({ kind: 'server' });
    const sender = this.sender;
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(key, source, sender, this.inviteEnded, this.later, this.clock, dialogKey)
        : new NonInviteServerTransaction(key, source, sender, this.nonInviteCompleted, this.forgetServer);
    this.transactions.set(key, tx);
    if (dialogKey && tx instanceof InviteServerTransaction) this.invitesByDialog.set(dialogKey, tx);
    return tx;
  }

  /** A server transaction's retransmissions go through the Resend it was given: count them there. */
  private countingResponseResends(send: ResponseSender): ResponseSender {
    const metrics = this.metrics;
    if (!metrics) return send;
    return (response, to) => {
      const resend = send(response, to);
      return (
        resend &&
        (() => {
          metrics.sipRetransmissions.inc({ direction: 'sent' });
          resend();
        })
      );
    };
  }

  /**
   * The client transactions' sender, counting what is sent again: a message
   * object already sent is a retransmission (timers A and E, an ACK repeated
   * for a repeated failure). Each message belongs to one transaction, so one
   * set serves them all.
   */
  private countingResends<M extends object, D>(send: (message: M, to: D) => void): (message: M, to: D) => void {
    const metrics = this.metrics;
    if (!metrics) return send;
    const sent = new WeakSet<M>();
    return (message, to) => {
      if (sent.has(message)) metrics.sipRetransmissions.inc({ direction: 'sent' });
      else sent.add(message);
      send(message, to);
    };
  }

  close(): void {
    for (const queue of this.queues.values()) queue.stop();
    for (const tx of this.transactions.values()) {
      if (tx instanceof InviteServerTransaction) tx.terminate();
    }
    this.transactions.clear();
    this.invitesByDialog.clear();
    for (const tx of [...this.clients.values()]) tx.terminate();
  }
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

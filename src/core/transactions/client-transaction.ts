import { Headers, SipRequest, type SipResponse } from '../messages/index.js';
import type { Destination } from '../transport/transport.js';
import { T1, T2, T4, TIMER_64T1 } from './timers.js';

export type ClientTransactionState = 'calling' | 'trying' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

/** What the transaction user hears from a client transaction. */
export interface ClientTransactionUser {
  /** Every response worth passing up: 1xx, the final, and (INVITE) each 2xx copy. */
  onResponse(response: SipResponse): void;
  /** Timer B/F fired with no final response: the TU acts as if it got a 408. */
  onTimeout(): void;
}

/** Sends a request to a destination over the right transport. */
export type RequestSender = (request: SipRequest, destination: Destination) => void;

/**
 * Common part of the client transactions (RFC 3261 §17.1): retransmission
 * over UDP with doubling intervals, a give-up timer, and the hand-off of
 * responses to the transaction user.
 */
export abstract class ClientTransaction {
  state: ClientTransactionState;
  private retransmitTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  /** Held only while it may be retransmitted; dropped at the final response (thousands linger under load). */
  protected request: SipRequest | undefined;

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly destination: Destination,
    protected readonly send: RequestSender,
    protected readonly user: ClientTransactionUser,
    private readonly onTerminated: (tx: ClientTransaction) => void,
    initialState: ClientTransactionState,
  ) {
    this.request = request;
    this.state = initialState;
  }

  get reliable(): boolean {
    return this.destination.transport !== 'UDP';
  }

  start(): void {
    if (this.request) this.send(this.request, this.destination);
    if (!this.reliable) this.scheduleRetransmit(T1);
    this.giveUpTimer = setTimeout(() => {
      if (this.state === 'calling' || this.state === 'trying' || this.state === 'proceeding') {
        this.terminate();
        this.user.onTimeout();
      }
    }, TIMER_64T1);
  }

  abstract onResponse(response: SipResponse): void;

  /** Stop retransmitting and forget the transaction now (e.g. the TU gave up on a silent branch). */
  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    this.clearTimers();
    this.onTerminated(this);
  }

  protected scheduleRetransmit(interval: number): void {
    this.retransmitTimer = setTimeout(() => {
      if (!this.retransmitting() || !this.request) return;
      this.send(this.request, this.destination);
      this.scheduleRetransmit(this.nextInterval(interval));
    }, interval);
  }

  protected stopRetransmitting(): void {
    if (this.retransmitTimer) clearTimeout(this.retransmitTimer);
    this.retransmitTimer = undefined;
  }

  /** Stay around for `ms` to absorb copies of the final response, then terminate. */
  protected lingerThenTerminate(ms: number): void {
    this.stopRetransmitting();
    this.request = undefined;
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    if (ms === 0) return this.terminate();
    this.lingerTimer = setTimeout(() => this.terminate(), ms);
  }

  protected abstract retransmitting(): boolean;
  protected abstract nextInterval(interval: number): number;

  private clearTimers(): void {
    this.stopRetransmitting();
    if (this.giveUpTimer) clearTimeout(this.giveUpTimer);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
  }
}

/** RFC 3261 §17.1.1 with RFC 6026's Accepted state: 2xx copies go up to the TU for 64*T1. */
export class InviteClientTransaction extends ClientTransaction {
  private ack: SipRequest | undefined;

  protected retransmitting(): boolean {
    return this.state === 'calling';
  }

  protected nextInterval(interval: number): number {
    return interval * 2; // Timer A doubles without cap; Timer B ends it
  }

  onResponse(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (status < 200) {
          this.state = 'proceeding';
          this.stopRetransmitting();
          this.user.onResponse(response);
        } else if (status < 300) {
          this.state = 'accepted';
          this.lingerThenTerminate(TIMER_64T1);
          this.user.onResponse(response);
        } else {
          this.state = 'completed';
          if (this.request) {
            this.ack = ackForFailure(this.request, response);
            this.send(this.ack, this.destination);
          }
          this.lingerThenTerminate(this.reliable ? 0 : TIMER_64T1 / 2 /* Timer D: 32 s */);
          this.user.onResponse(response);
        }
        return;
      case 'accepted':
        if (status >= 200 && status < 300) this.user.onResponse(response);
        return;
      case 'completed':
        if (status >= 300 && this.ack) this.send(this.ack, this.destination);
        return;
      default:
    }
  }
}

/** RFC 3261 §17.1.2. */
export class NonInviteClientTransaction extends ClientTransaction {
  protected retransmitting(): boolean {
    return this.state === 'trying' || this.state === 'proceeding';
  }

  protected nextInterval(interval: number): number {
    return this.state === 'proceeding' ? T2 : Math.min(interval * 2, T2);
  }

  onResponse(response: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    if (response.status < 200) {
      this.state = 'proceeding';
      this.user.onResponse(response);
      return;
    }
    this.state = 'completed';
    this.lingerThenTerminate(this.reliable ? 0 : T4); // Timer K
    this.user.onResponse(response);
  }
}

/** The ACK a client transaction sends for a non-2xx final response (RFC 3261 §17.1.1.3). */
export function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const h = invite.headers;
  const headers = new Headers();
  const topVia = h.getAll('via')[0];
  if (topVia !== undefined) headers.append('Via', topVia.split(',')[0]!.trim());
  for (const route of h.getAll('route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', h.get('from') ?? '');
  headers.append('To', response.headers.get('to') ?? h.get('to') ?? '');
  headers.append('Call-ID', h.get('call-id') ?? '');
  headers.append('CSeq', `${(h.get('cseq') ?? '0').trim().split(/\s+/)[0]} ACK`);
  return new SipRequest('ACK', invite.uri, headers);
}

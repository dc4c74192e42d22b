import { Headers, SipRequest, type SipResponse } from '../messages/index.js';
import type { Destination } from '../transport/transport.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { StateMachine, type TransitionTable } from './state-machine.js';
import {
  INVITE_CLIENT,
  NON_INVITE_CLIENT,
  responseEvent,
  type ClientEvent,
  type ClientTransactionState,
  type InviteClientState,
  type NonInviteClientState,
} from './states.js';
import { T1, T2, T4, TIMER_64T1, TIMER_D, type Later, type Waiting } from './timers.js';

export type { ClientTransactionState } from './states.js';

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
 * over UDP with doubling intervals (Timer A/E), a give-up timer (Timer B/F),
 * and the hand-off of responses to the transaction user. States move only
 * along the transition table of the subclass.
 */
export abstract class ClientTransaction extends StateMachine<ClientTransactionState, ClientEvent> implements Waiting {
  private retransmitTimer: TimerHandle | undefined;
  private giveUpTimer: TimerHandle | undefined;

  /** Held only while it may be retransmitted; dropped at the final response (thousands linger under load). */
  protected request: SipRequest | undefined;

  constructor(
    readonly key: string,
    request: SipRequest,
    readonly destination: Destination,
    protected readonly send: RequestSender,
    protected readonly user: ClientTransactionUser,
    private readonly onTerminated: (tx: ClientTransaction) => void,
    /** Runs Timer D, K or M on the layer's shared queue: the longest-lived state a call leaves. */
    private readonly later: Later<ClientTransaction>,
    table: TransitionTable<ClientTransactionState, ClientEvent>,
    initialState: ClientTransactionState,
    protected readonly clock: Clock = systemClock,
  ) {
    super(table, initialState);
    this.request = request;
  }

  get reliable(): boolean {
    return this.destination.transport !== 'UDP';
  }

  start(): void {
    if (this.request) this.send(this.request, this.destination);
    if (!this.reliable) this.scheduleRetransmit(T1);
    // Timer B (INVITE) / Timer F (non-INVITE).
    this.giveUpTimer = this.clock.setTimeout(() => {
      if (this.end('timeout')) this.user.onTimeout();
    }, TIMER_64T1);
  }

  abstract onResponse(response: SipResponse): void;

  /** Stop retransmitting and forget the transaction now (e.g. the TU gave up on a silent branch). */
  terminate(): void {
    this.end('abort');
  }

  /** Takes a transition into Terminated and lets go of everything; false when not allowed. */
  private end(event: ClientEvent): boolean {
    if (!this.fire(event)) return false;
    this.clearTimers();
    this.onTerminated(this);
    return true;
  }

  protected scheduleRetransmit(interval: number): void {
    this.retransmitTimer = this.clock.setTimeout(() => {
      if (!this.retransmitting() || !this.request) return;
      this.send(this.request, this.destination);
      this.scheduleRetransmit(this.nextInterval(interval));
    }, interval);
  }

  protected stopRetransmitting(): void {
    this.clock.clearTimeout(this.retransmitTimer);
    this.retransmitTimer = undefined;
  }

  /** Stay around for `ms` (Timer D, K or M) to absorb copies of the final response, then terminate. */
  protected lingerThenTerminate(ms: number): void {
    this.stopRetransmitting();
    this.request = undefined;
    this.clock.clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
    if (ms === 0) this.end('linger-end');
    else this.later(ms, this);
  }

  /** Timer D, K or M: the copies of the final response are no longer absorbed. */
  waitOver(): void {
    this.end('linger-end');
  }

  protected abstract retransmitting(): boolean;
  protected abstract nextInterval(interval: number): number;

  private clearTimers(): void {
    this.stopRetransmitting();
    this.clock.clearTimeout(this.giveUpTimer);
    this.giveUpTimer = undefined;
  }
}

/** RFC 3261 §17.1.1 with RFC 6026's Accepted state: 2xx copies go up to the TU for 64*T1 (Timer M). */
export class InviteClientTransaction extends ClientTransaction {
  private ack: SipRequest | undefined;

  constructor(
    key: string,
    request: SipRequest,
    destination: Destination,
    send: RequestSender,
    user: ClientTransactionUser,
    onTerminated: (tx: ClientTransaction) => void,
    later: Later<ClientTransaction>,
    clock?: Clock,
  ) {
    super(
      key,
      request,
      destination,
      send,
      user,
      onTerminated,
      later,
      INVITE_CLIENT as TransitionTable<ClientTransactionState, ClientEvent>,
      'calling' satisfies InviteClientState,
      clock,
    );
  }

  protected retransmitting(): boolean {
    return this.state === 'calling';
  }

  protected nextInterval(interval: number): number {
    return interval * 2; // Timer A doubles without cap; Timer B ends it
  }

  onResponse(response: SipResponse): void {
    const from = this.state;
    const event = responseEvent(response.status);
    if (!this.fire(event)) return; // e.g. a 1xx after the final: dropped
    if (from === 'accepted') {
      this.user.onResponse(response); // a 2xx copy: the TU ACKs each one
      return;
    }
    if (from === 'completed') {
      if (this.ack) this.send(this.ack, this.destination); // a copy of the failure: ACK again
      return;
    }
    switch (event) {
      case '1xx':
        this.stopRetransmitting();
        break;
      case '2xx':
        this.lingerThenTerminate(TIMER_64T1); // Timer M
        break;
      case 'failure':
        if (this.request) {
          this.ack = ackForFailure(this.request, response);
          this.send(this.ack, this.destination);
        }
        this.lingerThenTerminate(this.reliable ? 0 : TIMER_D);
        break;
    }
    this.user.onResponse(response);
  }
}

/** RFC 3261 §17.1.2. */
export class NonInviteClientTransaction extends ClientTransaction {
  constructor(
    key: string,
    request: SipRequest,
    destination: Destination,
    send: RequestSender,
    user: ClientTransactionUser,
    onTerminated: (tx: ClientTransaction) => void,
    later: Later<ClientTransaction>,
    clock?: Clock,
  ) {
    super(
      key,
      request,
      destination,
      send,
      user,
      onTerminated,
      later,
      NON_INVITE_CLIENT as TransitionTable<ClientTransactionState, ClientEvent>,
      'trying' satisfies NonInviteClientState,
      clock,
    );
  }

  protected retransmitting(): boolean {
    return this.state === 'trying' || this.state === 'proceeding';
  }

  protected nextInterval(interval: number): number {
    return this.state === 'proceeding' ? T2 : Math.min(interval * 2, T2); // Timer E
  }

  onResponse(response: SipResponse): void {
    const event = responseEvent(response.status);
    if (!this.fire(event)) return; // Completed: copies of the final are absorbed
    if (event !== '1xx') this.lingerThenTerminate(this.reliable ? 0 : T4); // Timer K
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

import type { SipRequest, SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { StateMachine, type TransitionTable } from './state-machine.js';
import type { ServerEvent, ServerTransactionState } from './states.js';

export type { ServerTransactionState } from './states.js';

/** Sends a response towards a request's source (RFC 3261 §18.2.2). */
export type ResponseSender = (response: SipResponse, source: Source) => void;

/**
 * Common part of the INVITE and non-INVITE server transactions: it keeps the
 * last response sent so that a retransmitted request is answered from here,
 * without reaching the transaction user again. States move only along the
 * subclass's transition table.
 */
export abstract class ServerTransaction {
  private readonly machine: StateMachine<ServerTransactionState, ServerEvent>;
  protected lastResponse: SipResponse | undefined;
  lastStatus = 0;

  constructor(
    readonly key: string,
    readonly source: Source,
    protected readonly sendResponse: ResponseSender,
    table: TransitionTable<ServerTransactionState, ServerEvent>,
    initialState: ServerTransactionState,
  ) {
    this.machine = new StateMachine(table, initialState);
  }

  get state(): ServerTransactionState {
    return this.machine.state;
  }

  get reliable(): boolean {
    return this.source.transport !== 'UDP';
  }

  /** Send a response from the transaction user. Ignored once a final response went out. */
  abstract respond(response: SipResponse): void;

  /** The same request arrived again. */
  abstract onRetransmission(request: SipRequest): void;

  /** Takes a transition; false (nothing changes) when the table refuses it. */
  fire(event: ServerEvent): boolean {
    return this.machine.fire(event);
  }

  protected transmit(response: SipResponse): void {
    this.lastStatus = response.status;
    this.lastResponse = response;
    this.sendResponse(response, this.source);
  }

  protected retransmit(): void {
    if (this.lastResponse) this.sendResponse(this.lastResponse, this.source);
  }
}

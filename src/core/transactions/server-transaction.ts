import type { SipRequest, SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { StateMachine, type TransitionTable } from './state-machine.js';
import type { ServerEvent, ServerTransactionState } from './states.js';

export type { ServerTransactionState } from './states.js';

/**
 * Sends a response towards a request's source (RFC 3261 §18.2.2), and
 * returns how to send the very same bytes again (undefined: not sent).
 */
export type ResponseSender = (response: SipResponse, source: Source) => Resend | undefined;
/** Sends the same bytes again: the wire form, not the response object, is what a transaction keeps. */
export type Resend = () => void;

/**
 * Common part of the INVITE and non-INVITE server transactions: it keeps the
 * last response sent so that a retransmitted request is answered from here,
 * without reaching the transaction user again. States move only along the
 * subclass's transition table.
 *
 * It keeps the response as sent (bytes outside the JavaScript heap), not the
 * SipResponse: a completed transaction lives 64*T1 (32 s) on UDP, so tens of
 * thousands of them exist at once under load, and a SipResponse holds header
 * values that are slices of its request's whole header text. Kept as objects
 * they filled the old generation and made every full GC longer.
 */
export abstract class ServerTransaction extends StateMachine<ServerTransactionState, ServerEvent> {
  protected resendLast: Resend | undefined;
  lastStatus = 0;

  constructor(
    readonly key: string,
    readonly source: Source,
    protected readonly sendResponse: ResponseSender,
    table: TransitionTable<ServerTransactionState, ServerEvent>,
    initialState: ServerTransactionState,
  ) {
    super(table, initialState);
  }

  get reliable(): boolean {
    return this.source.transport !== 'UDP';
  }

  /**
   * Send a response from the transaction user. Ignored once a final response went out.
   * `stateless` (RFC 3261 §8.2.7, non-INVITE only): a final answer that costs
   * nothing to give again, such as a challenge, is not kept to absorb copies of
   * the request; a copy is then a new request. An INVITE keeps its answer
   * regardless (the ACK for a failure must find it).
   */
  abstract respond(response: SipResponse, options?: { stateless?: boolean }): void;

  /** The same request arrived again. */
  abstract onRetransmission(request: SipRequest): void;

  protected transmit(response: SipResponse): void {
    this.lastStatus = response.status;
    this.resendLast = this.sendResponse(response, this.source);
  }

  protected retransmit(): void {
    this.resendLast?.();
  }
}

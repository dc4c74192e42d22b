import type { SipRequest, SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';

export type ServerTransactionState = 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

/** Sends a response towards a request's source (RFC 3261 §18.2.2). */
export type ResponseSender = (response: SipResponse, source: Source) => void;

/**
 * Common part of the INVITE and non-INVITE server transactions: it keeps the
 * last response sent so that a retransmitted request is answered from here,
 * without reaching the transaction user again.
 */
export abstract class ServerTransaction {
  state: ServerTransactionState;
  protected lastResponse: SipResponse | undefined;
  lastStatus = 0;

  constructor(
    readonly key: string,
    readonly source: Source,
    protected readonly sendResponse: ResponseSender,
    initialState: ServerTransactionState,
  ) {
    this.state = initialState;
  }

  get reliable(): boolean {
    return this.source.transport !== 'UDP';
  }

  /** Send a response from the transaction user. Ignored once a final response went out. */
  abstract respond(response: SipResponse): void;

  /** The same request arrived again. */
  abstract onRetransmission(request: SipRequest): void;

  protected transmit(response: SipResponse): void {
    this.lastStatus = response.status;
    this.lastResponse = response;
    this.sendResponse(response, this.source);
  }

  protected retransmit(): void {
    if (this.lastResponse) this.sendResponse(this.lastResponse, this.source);
  }
}

import { createResponse, type SipRequest, type SipResponse } from '../messages/index.js';
import type { ServerTransaction } from '../transactions/server-transaction.js';
import type { Source } from '../transport/transport.js';

export type HeaderList = Array<[name: string, value: string]>;

/**
 * A new request as the transaction user sees it: the parsed message, where it
 * came from, and a way to answer it through its server transaction.
 */
export class IncomingRequest {
  constructor(
    readonly message: SipRequest,
    readonly source: Source,
    readonly transaction: ServerTransaction,
    /** Headers every response of this server carries (e.g. Server). */
    private readonly commonHeaders: HeaderList,
  ) {}

  get method(): string {
    return this.message.method;
  }

  get callId(): string {
    return this.message.headers.get('call-id') ?? '';
  }

  /** Whether a final response has gone out. */
  get answered(): boolean {
    return this.transaction.lastStatus >= 200;
  }

  createResponse(status: number, reason?: string, headers: HeaderList = []): SipResponse {
    const response = createResponse(this.message, status, reason);
    for (const [name, value] of this.commonHeaders) response.headers.append(name, value);
    for (const [name, value] of headers) response.headers.append(name, value);
    return response;
  }

  respond(status: number, reason?: string, headers: HeaderList = []): SipResponse {
    const response = this.createResponse(status, reason, headers);
    this.transaction.respond(response);
    return response;
  }

  /**
   * Answers as a stateless UAS (RFC 3261 §8.2.7), for an answer that costs
   * nothing to give again such as a challenge: no copy is kept for 32 s to
   * absorb retransmissions (a copy of the request is answered anew). Only for
   * non-INVITE requests; an INVITE's transaction keeps its answer regardless.
   */
  respondStatelessly(status: number, reason?: string, headers: HeaderList = []): SipResponse {
    const response = this.createResponse(status, reason, headers);
    this.transaction.respond(response, { stateless: true });
    return response;
  }

  send(response: SipResponse): void {
    this.transaction.respond(response);
  }
}

import type { SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { ServerTransaction, type ResponseSender } from './server-transaction.js';
import { NON_INVITE_SERVER, responseEvent, type ServerEvent, type ServerTransactionState } from './states.js';
import type { TransitionTable } from './state-machine.js';
import type { Waiting } from './timers.js';

/**
 * Non-INVITE server transaction (RFC 3261 §17.2.2, figure 8):
 * Trying -> Proceeding (1xx) -> Completed (final) -> Terminated after Timer J.
 */
export class NonInviteServerTransaction extends ServerTransaction implements Waiting {
  constructor(
    key: string,
    source: Source,
    sender: ResponseSender,
    /** Called on entering Completed; the layer runs Timer J (none when `keepsAnswer` is false, or on TCP). */
    private readonly onCompleted: (tx: NonInviteServerTransaction) => void,
    private readonly onTerminated: (tx: NonInviteServerTransaction) => void,
  ) {
    super(key, source, sender, NON_INVITE_SERVER as TransitionTable<ServerTransactionState, ServerEvent>, 'trying');
  }

  /** False after a stateless final answer: nothing is kept to absorb copies of the request. */
  keepsAnswer = true;

  respond(response: SipResponse, options: { stateless?: boolean } = {}): void {
    const event = responseEvent(response.status);
    if (!this.fire(event)) return; // a final response already went out
    this.transmit(response);
    if (event === '1xx') return;
    if (options.stateless) this.keepsAnswer = false;
    this.onCompleted(this);
  }

  /** Timer J: copies of the request are no longer absorbed. */
  waitOver(): void {
    if (this.fire('timer-j')) this.onTerminated(this);
  }

  onRetransmission(): void {
    // Trying: absorbed, the TU is still working on it. Proceeding/Completed: answer again.
    if (this.state === 'proceeding' || this.state === 'completed') this.retransmit();
  }
}

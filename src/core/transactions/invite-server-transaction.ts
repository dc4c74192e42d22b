import type { SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { ServerTransaction, type ResponseSender } from './server-transaction.js';
import { T1, T2, T4, TIMER_64T1 } from './timers.js';

/**
 * INVITE server transaction (RFC 3261 §17.2.1, figure 7, with the Accepted
 * state of RFC 6026): a non-2xx final response is retransmitted (Timer G) until
 * the ACK arrives or Timer H fires; after the ACK, Timer I absorbs ACK copies.
 */
export class InviteServerTransaction extends ServerTransaction {
  private timerG: NodeJS.Timeout | undefined;
  private timerH: NodeJS.Timeout | undefined;
  /** Set when the ACK for a non-2xx never came (Timer H). */
  ackTimedOut = false;

  constructor(
    key: string,
    source: Source,
    sender: ResponseSender,
    private readonly onTerminated: (tx: InviteServerTransaction) => void,
    private readonly laterTerminate: (delayMs: number, tx: InviteServerTransaction) => void,
  ) {
    super(key, source, sender, 'proceeding');
  }

  respond(response: SipResponse): void {
    if (this.state !== 'proceeding') return;
    this.transmit(response);
    if (response.status < 200) return;
    if (response.status < 300) {
      // RFC 6026: 2xx retransmissions belong to the TU; the transaction only absorbs copies of the
      // INVITE for 64*T1, so it lets go of the response (thousands of these live at once under load).
      this.state = 'accepted';
      this.lastResponse = undefined;
      this.laterTerminate(TIMER_64T1, this);
      return;
    }
    this.state = 'completed';
    if (!this.reliable) this.scheduleTimerG(T1);
    this.timerH = setTimeout(() => {
      this.ackTimedOut = true;
      this.terminate();
    }, TIMER_64T1);
  }

  private scheduleTimerG(interval: number): void {
    this.timerG = setTimeout(() => {
      if (this.state !== 'completed') return;
      this.retransmit();
      this.scheduleTimerG(Math.min(interval * 2, T2));
    }, interval);
  }

  onRetransmission(): void {
    if (this.state === 'proceeding' || this.state === 'completed') this.retransmit();
  }

  /** The ACK for a non-2xx final response. */
  onAck(): void {
    if (this.state !== 'completed') return;
    this.clearTimers();
    this.state = 'confirmed';
    this.laterTerminate(this.reliable ? 0 : T4, this);
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.clearTimers();
    this.state = 'terminated';
    this.onTerminated(this);
  }

  private clearTimers(): void {
    if (this.timerG) clearTimeout(this.timerG);
    if (this.timerH) clearTimeout(this.timerH);
    this.timerG = this.timerH = undefined;
  }
}

import type { SipResponse } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { systemClock, type Clock, type TimerHandle } from './clock.js';
import { ServerTransaction, type ResponseSender } from './server-transaction.js';
import type { TransitionTable } from './state-machine.js';
import { INVITE_SERVER, responseEvent, type ServerEvent, type ServerTransactionState } from './states.js';
import { T1, T2, T4, TIMER_64T1, type Later, type Waiting } from './timers.js';

/**
 * INVITE server transaction (RFC 3261 §17.2.1, figure 7, with the Accepted
 * state of RFC 6026): a non-2xx final response is retransmitted (Timer G) until
 * the ACK arrives or Timer H fires; after the ACK, Timer I absorbs ACK copies;
 * after a 2xx, Timer L absorbs INVITE copies.
 */
export class InviteServerTransaction extends ServerTransaction implements Waiting {
  private timerG: TimerHandle | undefined;
  private timerH: TimerHandle | undefined;
  /** Set when the ACK for a non-2xx never came (Timer H). */
  ackTimedOut = false;

  constructor(
    key: string,
    source: Source,
    sender: ResponseSender,
    private readonly onTerminated: (tx: InviteServerTransaction) => void,
    /** Runs Timer I or Timer L. */
    private readonly later: Later<InviteServerTransaction>,
    private readonly clock: Clock = systemClock,
    /** Call-ID, From tag and CSeq number, under which the layer also finds it (an ACK with a new branch). */
    readonly dialogKey?: string,
  ) {
    super(key, source, sender, INVITE_SERVER as TransitionTable<ServerTransactionState, ServerEvent>, 'proceeding');
  }

  respond(response: SipResponse): void {
    const event = responseEvent(response.status);
    if (this.state !== 'proceeding' || !this.fire(event)) return;
    this.transmit(response);
    if (event === '1xx') return;
    if (event === '2xx') {
      // RFC 6026: 2xx retransmissions belong to the TU; the transaction only absorbs copies of the
      // INVITE for 64*T1, so it lets go of the response (thousands of these live at once under load).
      this.resendLast = undefined;
      this.later(TIMER_64T1, this); // Timer L
      return;
    }
    if (!this.reliable) this.scheduleTimerG(T1);
    this.timerH = this.clock.setTimeout(() => {
      this.ackTimedOut = true;
      this.expire('timer-h');
    }, TIMER_64T1);
  }

  private scheduleTimerG(interval: number): void {
    this.timerG = this.clock.setTimeout(() => {
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
    if (!this.fire('ack')) return; // not in Completed: an ACK copy, absorbed
    this.clearTimers();
    if (this.reliable) this.expire('timer-i');
    else this.later(T4, this); // Timer I
  }

  /** The wait of the current state is over: Timer L (Accepted) or Timer I (Confirmed). */
  waitOver(): void {
    this.expire(this.state === 'accepted' ? 'timer-l' : 'timer-i');
  }

  /** Timer H, I or L fired: into Terminated if the table allows it from here. */
  expire(timer: 'timer-h' | 'timer-i' | 'timer-l'): void {
    if (this.fire(timer)) this.ended();
  }

  /** Ends the transaction from any state (server shutdown). */
  terminate(): void {
    if (this.fire('close')) this.ended();
  }

  private ended(): void {
    this.clearTimers();
    this.onTerminated(this);
  }

  private clearTimers(): void {
    this.clock.clearTimeout(this.timerG);
    this.clock.clearTimeout(this.timerH);
    this.timerG = this.timerH = undefined;
  }
}

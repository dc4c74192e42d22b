import type { SipRequest, SipResponse } from '../core/messages/index.js';
import { systemClock, type Clock, type TimerHandle } from '../core/transactions/clock.js';
import type { ClientTransaction, ClientTransactionUser } from '../core/transactions/client-transaction.js';
import { StateMachine, type TransitionTable } from '../core/transactions/state-machine.js';
import type { Destination } from '../core/transport/transport.js';
import { cancelFor, type BranchEnd } from './branch.js';

/**
 * One attempt at one target (RFC 3261 §16.6-16.10) as a state machine:
 *
 *   trying ──1xx──> proceeding ──cancel──> cancelling ──final──> completed
 *     │ cancel (no 1xx yet: CANCEL waits, §9.1) -> cancel-pending ──1xx──> cancelling
 *     └ silence timer / Timer B ──> terminated
 *
 * `completed` means a final response came; `terminated` means none did.
 */
export type ProxyBranchState = 'trying' | 'cancel-pending' | 'proceeding' | 'cancelling' | 'completed' | 'terminated';
export type ProxyBranchEvent = 'provisional' | 'answer' | 'failure' | 'cancel' | 'silence' | 'timeout';

export const PROXY_BRANCH: TransitionTable<ProxyBranchState, ProxyBranchEvent> = {
  trying: { provisional: 'proceeding', answer: 'completed', failure: 'completed', cancel: 'cancel-pending', silence: 'terminated', timeout: 'terminated' },
  'cancel-pending': {
    provisional: 'cancelling',
    answer: 'completed',
    failure: 'completed',
    cancel: 'cancel-pending',
    silence: 'terminated',
    timeout: 'terminated',
  },
  proceeding: { provisional: 'proceeding', answer: 'completed', failure: 'completed', cancel: 'cancelling', timeout: 'terminated' },
  cancelling: { provisional: 'cancelling', answer: 'completed', failure: 'completed', cancel: 'cancelling', timeout: 'terminated' },
  completed: {},
  terminated: {},
};

/** What a branch needs from the proxy around it. */
export interface BranchIo {
  startClientTransaction(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): ClientTransaction;
  /** A provisional (above 100) goes upstream. */
  relayProvisional(response: SipResponse): void;
  /**
   * The branch's first 2xx goes upstream. Returns how its copies go (RFC 6026
   * §8.4): a function that holds none of the call's requests, since the client
   * transaction lives on for 64*T1 to pass them up.
   */
  relayAnswer(response: SipResponse): RelayCopy;
  /** A final failure as it would go upstream; the proxy picks the best one later. */
  upstream(response: SipResponse): SipResponse;
}

/** Sends a copy of a 2xx upstream. */
export type RelayCopy = (copy: SipResponse) => void;

export interface BranchTimers {
  /** Give up when nothing at all (not even 100) came back in this long. */
  silenceMs: number;
  /** CANCEL a ringing branch after this long (no-answer). */
  ringMs?: number;
}

/** The CANCEL's own transaction: its answer changes nothing (the INVITE's final response does). */
const CANCEL_USER: ClientTransactionUser = { onResponse: () => undefined, onTimeout: () => undefined };

export class ProxyBranch extends StateMachine<ProxyBranchState, ProxyBranchEvent> implements ClientTransactionUser {
  private silenceTimer: TimerHandle | undefined;
  private ringTimer: TimerHandle | undefined;
  private ringTimedOut = false;
  private transaction: ClientTransaction | undefined;
  private resolve: ((end: BranchEnd) => void) | undefined;
  /** Set by the first 2xx; from then on the branch holds nothing else (see letGo). */
  private relayCopy: RelayCopy | undefined;
  private request: SipRequest | undefined;
  private io: BranchIo | undefined;

  constructor(
    request: SipRequest,
    readonly branch: string,
    readonly destination: Destination,
    io: BranchIo,
    private readonly clock: Clock = systemClock,
  ) {
    super(PROXY_BRANCH, 'trying');
    this.request = request;
    this.io = io;
  }

  /** Sends the request and resolves with how the branch ended. */
  run(timers: BranchTimers): Promise<BranchEnd> {
    return new Promise<BranchEnd>((resolve) => {
      this.resolve = resolve;
      this.transaction = this.startTransaction();
      this.silenceTimer = this.clock.setTimeout(() => {
        if (!this.fire('silence')) return; // a provisional came: the branch may ring
        this.transaction?.terminate();
        this.finish({ kind: 'silent' });
      }, timers.silenceMs);
      if (timers.ringMs !== undefined) {
        this.ringTimer = this.clock.setTimeout(() => {
          this.ringTimedOut = true;
          this.cancel();
        }, timers.ringMs);
      }
    });
  }

  /** The transaction's user is this branch itself: it keeps no closure, and letGo drops what the branch held. */
  private startTransaction(): ClientTransaction {
    const { request, io } = this;
    if (!request || !io) throw new Error('a proxy branch runs once');
    return io.startClientTransaction(request, this.branch, this.destination, this);
  }

  /** Timer B: no final response came (the client transaction's user is this branch itself). */
  onTimeout(): void {
    if (this.fire('timeout')) this.finish(this.ringTimedOut ? { kind: 'ring-timeout' } : { kind: 'silent' });
  }

  /** CANCEL the branch (upstream CANCEL or ring timeout): at once after a provisional, else when one comes (§9.1). */
  cancel(): void {
    const before = this.state;
    if (!this.fire('cancel')) return;
    if (this.state === 'cancelling' && before !== 'cancelling') this.sendCancel();
  }

  /** A response from the client transaction (the branch is its user, RFC 3261 §17.1). */
  onResponse(response: SipResponse): void {
    if (this.relayCopy) {
      // Answered: only copies of a 2xx still matter (the machine takes nothing else after a final).
      if (response.status >= 200 && response.status < 300) this.relayCopy(response);
      return;
    }
    const io = this.io;
    if (!io) return;
    this.clock.clearTimeout(this.silenceTimer);
    if (response.status < 200) {
      const before = this.state;
      if (!this.fire('provisional')) return;
      if (before === 'cancel-pending') this.sendCancel();
      // Once cancelled (by upstream or the ring timer) the caller hears no more ringing from here.
      if (response.status > 100 && this.state === 'proceeding') io.relayProvisional(response);
      return;
    }
    if (response.status < 300) {
      // Answered (possibly racing our CANCEL): relay it; 2xx copies are relayed as they come.
      this.relayCopy = io.relayAnswer(response);
      if (this.fire('answer')) this.finish({ kind: 'answered', response });
      this.letGo();
      return;
    }
    const relayable = io.upstream(response);
    if (this.fire('failure')) {
      this.finish(this.ringTimedOut ? { kind: 'ring-timeout', response: relayable } : { kind: 'final', response: relayable });
      this.letGo();
    }
  }

  private sendCancel(): void {
    if (!this.request || !this.io) return;
    this.io.startClientTransaction(cancelFor(this.request), this.branch, this.destination, CANCEL_USER);
  }

  private finish(end: BranchEnd): void {
    this.clock.clearTimeout(this.silenceTimer);
    this.clock.clearTimeout(this.ringTimer);
    this.resolve?.(end);
    this.resolve = undefined;
  }

  /**
   * After a final response the client transaction stays on (64*T1 = 32 s
   * after a 2xx, to pass copies up; Timer D after a failure, to ACK copies
   * itself), and it holds this branch. Letting go of the requests and of the
   * proxy's callbacks (which hold the caller's request and the call's state)
   * keeps what a call leaves behind for that time to a few small objects:
   * kept, every call's messages outlived the young generation, and copying
   * them made each scavenge long.
   */
  private letGo(): void {
    this.clock.clearTimeout(this.silenceTimer);
    this.clock.clearTimeout(this.ringTimer);
    this.silenceTimer = undefined;
    this.ringTimer = undefined;
    this.request = undefined;
    this.io = undefined;
    this.resolve = undefined;
  }
}

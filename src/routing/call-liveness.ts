import type { SipRequest } from '../core/messages/index.js';
import type { ClientTransactionUser } from '../core/transactions/client-transaction.js';
import { systemClock, type Clock, type TimerHandle } from '../core/transactions/clock.js';
import type { Destination } from '../core/transport/transport.js';
import type { Log } from '../log.js';
import { dialogOf, dialogRequest, noteRequest, type Dialog } from '../proxy/dialog-ends.js';
import type { ForwardedAnswer } from '../proxy/proxy-core.js';
import type { LocalIdentity } from '../proxy/record-route.js';
import type { CallRefreshedNotice } from '../cluster/peer-message.js';
import { answered, probeAnswered, refreshed, step, type CallEnd, type Liveness, type LivenessSettings } from './session-liveness.js';

export interface CallLivenessDeps {
  settings: LivenessSettings;
  identity: Pick<LocalIdentity, 'isMine' | 'sentBy'>;
  /** Sends a request of ours as a client transaction (SipServer.startClientTransaction). */
  send(request: SipRequest, branch: string, destination: Destination, user: ClientTransactionUser): unknown;
  /** The call is over for `reason`: give back its channels, close its record, log it. */
  onEnd(callId: string, reason: string): void;
  log: Log;
  clock?: Clock;
  /** Other workers of this node: told of requests inside calls this worker does not watch (one of them does). */
  otherWorkers?: { inDialog(seen: InDialogSeen): void };
}

/** A request inside a call seen at another worker (CallRefreshedNotice without its type). */
export type InDialogSeen = Omit<CallRefreshedNotice, 'type'>;

interface Watched {
  dialog: Dialog;
  state: Liveness;
  timer?: TimerHandle;
}

const ENDS: readonly CallEnd[] = ['caller', 'callee'];

/**
 * Keeps each answered call of this node alive or ends it (session-liveness.ts
 * decides, this does the I/O): it learns the dialog from the INVITE's 2xx,
 * restarts the session timer on each refresh passing through, probes both
 * ends with OPTIONS when no timer was negotiated, and when the far ends are
 * gone sends each a BYE and reports the call over. A BYE passing through ends
 * the watch.
 */
export class CallLiveness {
  private readonly calls = new Map<string, Watched>();
  private readonly clock: Clock;

  constructor(private readonly deps: CallLivenessDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  get watched(): number {
    return this.calls.size;
  }

  /** A 2xx to an INVITE or UPDATE went upstream (ProxyCore.watchSessions). */
  readonly answer = (answer: ForwardedAnswer): void => {
    const callId = answer.incoming.callId;
    const now = this.clock.now();
    const known = this.calls.get(callId);
    if (answer.incoming.message.hasToTag()) {
      if (!known) return this.tellOthers(answer.incoming.message, true, answer.sessionSeconds);
      known.state = refreshed(known.state, now, answer.sessionSeconds, this.deps.settings);
      this.schedule(callId, known);
      return;
    }
    if (known) return; // a copy of the 2xx
    const { incoming, forwarded, response, target } = answer;
    const dialog = dialogOf(incoming.message, incoming.source, forwarded, target.destination, response, this.deps.identity);
    if (!dialog) {
      this.deps.log.warn({ event: 'call.unwatched', callId, why: 'no Contact in the INVITE or its 2xx' }, 'call cannot be watched for liveness');
      return;
    }
    const watched: Watched = { dialog, state: answered(now, answer.sessionSeconds, this.deps.settings) };
    this.calls.set(callId, watched);
    this.deps.log.debug({ event: 'call.watched', callId, mode: watched.state.mode, sessionSeconds: answer.sessionSeconds }, 'call watched');
    this.schedule(callId, watched);
  };

  /** A request inside a call came through: its CSeq is noted; a BYE ends the watch. */
  request(message: SipRequest): void {
    const callId = message.headers.get('call-id') ?? '';
    const watched = this.calls.get(callId);
    // A BYE is told by CallRouter (call-ended); anything else so the watching worker's CSeq stays current.
    if (!watched) return message.method === 'BYE' ? undefined : this.tellOthers(message, false);
    if (message.method === 'BYE') {
      this.forget(callId);
      return;
    }
    noteRequest(watched.dialog, message.fromTag(), message.cseq()?.seq ?? 0);
  }

  /** A request (or refresh) inside a call this worker watches came in at another worker. */
  seenElsewhere(seen: InDialogSeen): void {
    const watched = this.calls.get(seen.callId);
    if (!watched) return;
    noteRequest(watched.dialog, seen.fromTag, seen.cseq);
    if (!seen.refreshed) return;
    watched.state = refreshed(watched.state, this.clock.now(), seen.sessionSeconds, this.deps.settings);
    this.schedule(seen.callId, watched);
  }

  private tellOthers(message: SipRequest, refreshed: boolean, sessionSeconds?: number): void {
    const callId = message.headers.get('call-id');
    const cseq = message.cseq()?.seq;
    if (!this.deps.otherWorkers || !callId || cseq === undefined) return;
    this.deps.otherWorkers.inDialog({ callId, fromTag: message.fromTag(), cseq, refreshed, ...(sessionSeconds !== undefined ? { sessionSeconds } : {}) });
  }

  /** The call ended by a BYE that reached another worker of this node: no more probes or expiry. */
  ended(callId: string): void {
    this.forget(callId);
  }

  /** Ends every watch (the node stops). */
  stop(): void {
    for (const callId of [...this.calls.keys()]) this.forget(callId);
  }

  private forget(callId: string): void {
    const watched = this.calls.get(callId);
    if (!watched) return;
    this.clock.clearTimeout(watched.timer);
    this.calls.delete(callId);
  }

  private schedule(callId: string, watched: Watched): void {
    this.clock.clearTimeout(watched.timer);
    const next = step(watched.state, this.clock.now(), this.deps.settings);
    watched.state = next.state;
    if (next.step.kind === 'end') return this.end(callId, next.step.reason);
    if (next.step.kind === 'probe') this.probe(callId, watched);
    const until = next.step.kind === 'wait' ? next.step.until : nextProbeAt(watched.state);
    watched.timer = this.clock.setTimeout(() => this.schedule(callId, watched), Math.max(0, until - this.clock.now()));
  }

  private probe(callId: string, watched: Watched): void {
    for (const end of ENDS) {
      this.sendInDialog(watched.dialog, end, 'OPTIONS', undefined, (status) => {
        if (this.calls.get(callId) !== watched) return;
        const after = probeAnswered(watched.state, end, status);
        watched.state = after.state;
        if (after.end) {
          this.clock.clearTimeout(watched.timer);
          this.end(callId, after.end);
        }
      });
    }
  }

  /** The far ends are gone: a BYE to each (whoever is left hears the call is over), and the call is reported ended. */
  private end(callId: string, reason: string): void {
    const watched = this.calls.get(callId);
    if (!watched) return;
    this.forget(callId);
    for (const end of ENDS) this.sendInDialog(watched.dialog, end, 'BYE', reason, () => undefined);
    this.deps.onEnd(callId, reason);
  }

  private sendInDialog(dialog: Dialog, end: CallEnd, method: 'BYE' | 'OPTIONS', reason: string | undefined, onFinal: (status: number) => void): void {
    const to = dialog[end];
    const { request, branch } = dialogRequest(dialog, to, method, this.deps.identity.sentBy(to.destination.transport), reason);
    try {
      this.deps.send(request, branch, to.destination, {
        onResponse: (response) => {
          if (response.status >= 200) onFinal(response.status);
        },
        onTimeout: () => onFinal(408),
      });
    } catch (err) {
      this.deps.log.warn({ event: 'call.dialog_send_failed', callId: dialog.callId, end, method, err }, 'request inside the call not sent');
    }
  }
}

function nextProbeAt(state: Liveness): number {
  return state.mode === 'probe' ? state.nextProbeAt : state.expiresAt;
}

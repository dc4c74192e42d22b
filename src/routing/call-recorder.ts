import type { ForwardHop, OfferFailure } from '../features/call-context.js';
import type { Log } from '../log.js';
import type { CallParty, CallRecord, CdrStore, CloseMode, ExpiredCall, OpenCallRecord } from '../store/cdr-store.js';
import type { ScopeStore } from '../store/scope-store.js';
import { finishRecord, partyRefs, unansweredOutcome, type CallEnd, type PartyRef } from './call-record.js';
import type { Decision } from './decision-log.js';

export interface CallRecorderOptions {
  /** An open record not refreshed for this long is closed by any node as "node lost". */
  nodeLostAfterMs: number;
  /** A call with no BYE after this long is closed (both ends vanished), as channels are let go. */
  maxCallMs?: number;
  nodeId: string;
  now?: () => number;
}

interface OpenCall {
  record: OpenCallRecord;
  /** The open record reached Redis (so its close must find it there). */
  stored: boolean;
  /** The last write of the open record, so the close comes after it. */
  writing: Promise<void>;
  failure?: OfferFailure;
  startedMs: number;
}

const PURGE_EVERY_MS = 3600_000;
/** Reason phrases and Reason headers come from the far end; this much of them is kept. */
const MAX_REASON = 120;
const MAX_DIALLED = 64;

export type Origin = OpenCallRecord['origin'];
export type Delivered = NonNullable<OpenCallRecord['delivered']>;

/**
 * One call detail record per call attempt of an admitted caller
 * (docs/operations.md "Call detail records"). The router tells it what
 * happens; decisions come from the DecisionLog. The open record goes to
 * Redis when the call is first offered and again when it is answered, and is
 * refreshed while the call is up; the finished record is written when it
 * ends, and logged as `call.record`. Every node also closes the open records
 * of nodes that stopped refreshing theirs ("node lost").
 */
export class CallRecorder {
  private readonly calls = new Map<string, OpenCall>();
  private readonly now: () => number;
  private readonly maxCallMs: number;
  private readonly timer: NodeJS.Timeout;
  private readonly purger: NodeJS.Timeout;
  private ticking = false;

  constructor(
    private readonly store: Pick<CdrStore, 'open' | 'refresh' | 'expired' | 'close' | 'discard' | 'purge' | 'stop'>,
    private readonly scopes: Pick<ScopeStore, 'ofNumber' | 'ofLine'>,
    private readonly log: Log,
    private readonly options: CallRecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.maxCallMs = options.maxCallMs ?? 12 * 3600_000;
    this.timer = setInterval(() => void this.tick(), Math.max(250, Math.floor(options.nodeLostAfterMs / 3)));
    this.timer.unref();
    // Appends trim the stream by age; this covers hours without a call.
    this.purger = setInterval(() => void this.store.purge().catch(() => undefined), PURGE_EVERY_MS);
    this.purger.unref();
  }

  get openCalls(): number {
    return this.calls.size;
  }

  /** An admitted caller's INVITE: the record starts (in memory until the call is offered). */
  begin(callId: string, start: { origin: Origin; calledNumber: string; callerSource: string }): void {
    if (this.calls.has(callId)) return;
    const startedMs = this.now();
    this.calls.set(callId, {
      record: {
        callId,
        node: this.options.nodeId,
        startedAt: new Date(startedMs).toISOString(),
        origin: start.origin,
        presentation: 'presented',
        // Until routing has read it, what was dialled is the caller's text: kept short.
        calledNumber: start.calledNumber.slice(0, MAX_DIALLED),
        decisions: [],
        forwards: [],
        callerSource: start.callerSource,
      },
      stored: false,
      writing: Promise.resolve(),
      startedMs,
    });
  }

  /** Who is calling whom, once origination or the peer's identity has been read. */
  identify(callId: string, who: Pick<OpenCallRecord, 'presentation' | 'calledNumber'> & { callingNumber?: string; presentedNumber?: string }): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const { callingNumber: _c, presentedNumber: _p, ...rest } = call.record;
    call.record = {
      ...rest,
      presentation: who.presentation,
      calledNumber: who.calledNumber,
      ...(who.callingNumber !== undefined ? { callingNumber: who.callingNumber } : {}),
      ...(who.presentedNumber !== undefined ? { presentedNumber: who.presentedNumber } : {}),
    };
  }

  /** A routing decision (the DecisionLog's sink); `party` is the number whose settings made it. */
  readonly decision = (callId: string, decision: Decision, party?: string): void => {
    const call = this.calls.get(callId);
    if (call) call.record.decisions.push({ ...decision, ...(party !== undefined ? { party } : {}) });
  };

  forwarded(callId: string, hop: ForwardHop): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.record.forwards.push(hop);
    // A failed offer before the forward no longer says how the call ends.
    delete call.failure;
  }

  /** The call is being offered there: from now on it can last, so its open record goes to Redis. */
  offering(callId: string, delivered: Delivered): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.record.delivered = delivered;
    this.store_(call);
  }

  /** How the last offer failed (busy, no answer, ...), for the outcome of an unanswered call. */
  offerFailed(callId: string, failure: OfferFailure): void {
    const call = this.calls.get(callId);
    if (call) call.failure = failure;
  }

  answered(callId: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.record.answeredAt = new Date(this.now()).toISOString();
    this.store_(call);
  }

  /** The INVITE's final answer was not a 2xx: the record is finished now. */
  unanswered(callId: string, end: { status: number; reason: string; byCallee: boolean; cancelled: boolean }): void {
    const call = this.calls.get(callId);
    if (!call) return;
    const outcome = end.cancelled ? 'cancelled' : unansweredOutcome(end.status, call.failure);
    const endedBy = end.cancelled ? 'caller' : end.byCallee && call.failure !== 'no-answer' ? 'callee' : 'system';
    const because = end.cancelled ? 'CANCEL' : `${end.status} ${end.reason.slice(0, MAX_REASON)}`.trim();
    void this.finish(callId, { status: end.status, outcome, endedBy, endReason: because, endedAt: this.now() });
  }

  /** A BYE ended an answered call; `from` is where it came from ("address:port"). */
  /** Whether this process keeps an open record of the call. */
  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  hungUp(callId: string, from: string, reason?: string): void {
    const call = this.calls.get(callId);
    if (!call?.record.answeredAt) return;
    const endedBy = from === call.record.callerSource ? 'caller' : 'callee';
    // The Reason header (RFC 3326) is the far end's text: kept short.
    const why = reason ? `BYE (${reason.slice(0, MAX_REASON)})` : 'BYE';
    void this.finish(callId, { status: 200, outcome: 'answered', endedBy, endReason: why, endedAt: this.now() });
  }

  /** An answered call ended with no BYE through us (session expired, peer gone, maximum call time). */
  endedBySystem(callId: string, reason: string): void {
    if (!this.calls.get(callId)?.record.answeredAt) return;
    void this.finish(callId, { status: 200, outcome: 'answered', endedBy: 'system', endReason: reason, endedAt: this.now() });
  }

  /** Routing failed with an error: the call is over. */
  failed(callId: string): void {
    if (this.calls.get(callId)?.record.answeredAt) return;
    void this.finish(callId, { status: 500, outcome: 'failed', endedBy: 'system', endReason: 'internal error', endedAt: this.now() });
  }

  /** Stops the timers and sends the record writes still waiting for their batch. */
  stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.purger);
    return this.store.stop();
  }

  /** Refresh our open calls, let go of calls past the maximum, close calls of nodes that went away. */
  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const [callId, call] of this.calls) {
        if (now - call.startedMs > this.maxCallMs) {
          const answered = call.record.answeredAt !== undefined;
          await this.finish(callId, {
            status: answered ? 200 : 0,
            outcome: answered ? 'answered' : 'failed',
            endedBy: 'system',
            endReason: 'maximum call time',
            endedAt: now,
          });
        }
      }
      const stored = [...this.calls.entries()].filter(([, c]) => c.stored).map(([id]) => id);
      for (const gone of await this.store.refresh(stored, this.options.nodeLostAfterMs)) {
        // Another node closed it as lost (we could not refresh in time): its record is written already.
        this.calls.delete(gone);
        this.log.warn({ event: 'cdr.closed_elsewhere', callId: gone }, 'call record was closed by another node');
      }
      for (const expired of await this.store.expired()) await this.closeLost(expired);
    } catch {
      /* Redis away: the client logs it; next tick tries again */
    } finally {
      this.ticking = false;
    }
  }

  /** A call whose node stopped refreshing it: closed by us, unless another node (or its own) got there first. */
  private async closeLost({ callId, record, expiredAt }: ExpiredCall): Promise<void> {
    if (!record) {
      await this.store.discard(callId);
      return;
    }
    // Its node was last heard from one lifetime before the entry expired.
    const end: CallEnd = {
      status: record.answeredAt ? 200 : 0,
      outcome: record.answeredAt ? 'answered' : 'failed',
      endedBy: 'system',
      endReason: 'node lost',
      endedAt: Math.max(Date.parse(record.startedAt), expiredAt - this.options.nodeLostAfterMs),
      closedBy: this.options.nodeId,
    };
    await this.write(finishRecord(record, end, await this.parties(record)), 'lost');
  }

  private store_(call: OpenCall): void {
    const record = { ...call.record, decisions: [...call.record.decisions], forwards: [...call.record.forwards] };
    call.writing = call.writing
      .then(() => this.store.open(record, this.options.nodeLostAfterMs))
      .then(
        () => {
          call.stored = true;
        },
        // Nothing is lost (the close writes the whole record); only "node lost" cover is. Outages are logged once by the store.
        (err: unknown) => this.log.debug({ event: 'cdr.open_failed', callId: record.callId, err }, 'open call record not stored'),
      );
  }

  private async finish(callId: string, end: CallEnd): Promise<void> {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    try {
      await call.writing;
      await this.write(finishRecord(call.record, end, await this.parties(call.record)), call.stored ? 'owner' : 'unopened');
    } catch (err) {
      this.log.error({ event: 'cdr.store_failed', callId, err }, 'call record not stored');
    }
  }

  private async write(record: CallRecord, mode: CloseMode): Promise<void> {
    const id = await this.store.close(record, mode);
    if (id === null) return; // closed by another node already: one record per call
    const { callerSource: _source, ...logged } = record;
    this.log.info({ event: 'call.record', id, ...logged }, 'call record');
  }

  /**
   * The customers the call concerns, as their numbers and lines are provisioned
   * now: every party looked up at once (sent together, one wait), in party order.
   */
  private async parties(record: OpenCallRecord): Promise<CallParty[]> {
    const refs = new Map<string, PartyRef>();
    for (const ref of partyRefs(record)) {
      const key = `${ref.role}|${ref.sipId ?? ''}|${ref.number ?? ''}`;
      if (!refs.has(key)) refs.set(key, ref);
    }
    const unique = [...refs.values()];
    const scopes = await Promise.all(
      unique.map(async (ref) => (ref.sipId !== undefined ? this.scopes.ofLine(ref.sipId) : ref.number !== undefined ? this.scopes.ofNumber(ref.number) : null)),
    );
    const out: CallParty[] = [];
    unique.forEach((ref, i) => {
      const scope = scopes[i];
      if (!scope?.siteId || !scope.voiceGroupId) return; // not ours (another network's number)
      out.push({ ...ref, siteId: scope.siteId, voiceGroupId: scope.voiceGroupId });
    });
    return out;
  }
}

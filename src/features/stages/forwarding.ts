/**
 * Call forwarding (docs/product.md §4.4, terminating): every forwarding decision of a
 * call is made here.
 *
 * - `run`, before the line is rung: unconditional forwarding retargets at once
 *   (`retarget`, why `forward`, diversion `unconditional`).
 * - `ringTime`: how long the line may ring before no-answer forwarding takes
 *   over; undefined when that forward would not happen, so a ringing line is
 *   never cancelled for nothing.
 * - `afterOffer`, when the offer to the line failed: busy, no-answer or
 *   unreachable forwarding (`retarget` with that diversion reason).
 * A refused forward (loop, 5-forward limit, international bar, empty active
 * slot) leaves the call as it was: to the line before the offer (reported
 * through `deps.onRefused`), the failure standing after it (`refused`).
 */
import type { AfterOfferResult, CallContext, OfferFailure, Stage, StageResult } from '../call-context.js';
import type { BulkGroup, NumberFeatures } from '../settings.js';
import { forwardTarget, ringTimeout, type ForwardDecision, type ForwardingContext } from '../forwarding.js';

export interface ForwardingStageDeps {
  /** IANA time zone the weekly schedules are written in, e.g. 'Asia/Tokyo'. */
  timeZone: string;
  bulkGroupOf(number: string): Promise<BulkGroup | null>;
  /** A started group's frozen slot-5 destination of a member: null for none, undefined when nothing was frozen. */
  bulkDestinationOf?(groupId: string, number: string): Promise<string | null | undefined>;
  onRefused?(call: CallContext, decision: Extract<ForwardDecision, { kind: 'refused' }>): void;
}

export class ForwardingStage implements Stage {
  readonly name = 'forwarding';

  /** The bulk-group look-up of a plan, shared by run() and ringTime() (the pipeline asks both of the same call). */
  private readonly planned = new WeakMap<CallContext, Promise<ForwardingContext>>();

  constructor(private readonly deps: ForwardingStageDeps) {}

  async run(call: CallContext): Promise<StageResult> {
    const features = call.calledFeatures;
    if (features === undefined) return { kind: 'continue' };
    const context = this.context(call, features);
    this.planned.set(call, context);
    const decision = forwardTarget(features, 'unconditional', call, await context);
    if (decision.kind === 'forward') {
      return { kind: 'retarget', targets: [decision.to], why: 'forward', diversion: decision.reason };
    }
    if (decision.kind === 'refused') this.deps.onRefused?.(call, decision);
    return { kind: 'continue' };
  }

  async ringTime(call: CallContext): Promise<number | undefined> {
    const features = call.calledFeatures;
    if (features === undefined) return undefined;
    return ringTimeout(features, await (this.planned.get(call) ?? this.context(call, features)), call);
  }

  async afterOffer(call: CallContext, failure: OfferFailure): Promise<AfterOfferResult> {
    const features = call.calledFeatures;
    if (features === undefined || failure === 'rejected') return { kind: 'continue' };
    // Read again: the offer took time (up to the ring time), and a bulk group may have been started meanwhile.
    const decision = forwardTarget(features, failure, call, await this.context(call, features, true));
    if (decision.kind === 'forward') return { kind: 'retarget', targets: [decision.to], why: 'forward', diversion: decision.reason };
    return decision.kind === 'refused' ? { kind: 'continue', refused: decision.why } : { kind: 'continue' };
  }

  /** The groups read with the call's settings, unless `fresh` (or they were not read): then from the store. */
  private async context(call: CallContext, features: NumberFeatures, fresh = false): Promise<ForwardingContext> {
    const read = fresh ? undefined : call.calledGroups;
    if (read) {
      const frozen = read.bulk?.state === 'started' ? read.bulkDestination : undefined;
      return { now: call.now, timeZone: this.deps.timeZone, bulk: read.bulk, ...(frozen !== undefined ? { bulkDestination: frozen } : {}) };
    }
    const bulk = await this.deps.bulkGroupOf(features.number);
    const frozen = bulk?.state === 'started' ? await this.deps.bulkDestinationOf?.(bulk.id, features.number) : undefined;
    return { now: call.now, timeZone: this.deps.timeZone, bulk, ...(frozen !== undefined ? { bulkDestination: frozen } : {}) };
  }
}

/**
 * Call forwarding, pre-routing part (spec §4.4, terminating).
 *
 * Only unconditional forwarding acts here: the line is not rung, the call is
 * retargeted at once (`retarget`, why `forward`, diversion `unconditional`).
 * Busy, no-answer and unreachable forwarding depend on how delivery goes; the
 * router asks `forwardTarget()` / `ringTimeout()` (../forwarding.ts) for them.
 * A refused unconditional forward (loop, 5-forward limit, international bar,
 * empty active slot) leaves the call to be delivered to the line as usual and
 * is reported through `deps.onRefused`.
 */
import type { CallContext, Stage, StageResult } from '../call-context.js';
import type { BulkGroup } from '../settings.js';
import { forwardTarget, type ForwardDecision } from '../forwarding.js';

export interface ForwardingStageDeps {
  /** IANA time zone the weekly schedules are written in, e.g. 'Asia/Tokyo'. */
  timeZone: string;
  bulkGroupOf(number: string): Promise<BulkGroup | null>;
  onRefused?(call: CallContext, decision: Extract<ForwardDecision, { kind: 'refused' }>): void;
}

export class ForwardingStage implements Stage {
  readonly name = 'forwarding';

  constructor(private readonly deps: ForwardingStageDeps) {}

  async run(call: CallContext): Promise<StageResult> {
    const features = call.calledFeatures;
    if (features === undefined) return { kind: 'continue' };
    const bulk = await this.deps.bulkGroupOf(features.number);
    const decision = forwardTarget(features, 'unconditional', call, { now: call.now, timeZone: this.deps.timeZone, bulk });
    if (decision.kind === 'forward') {
      return { kind: 'retarget', targets: [decision.to], why: 'forward', diversion: decision.reason };
    }
    if (decision.kind === 'refused') this.deps.onRefused?.(call, decision);
    return { kind: 'continue' };
  }
}

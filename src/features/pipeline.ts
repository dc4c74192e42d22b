/**
 * The call-feature pipeline (docs/product.md §4): stages run in a fixed order and the
 * first one that does not say `continue` decides the call. The same stages
 * are asked again, in the same order, when the offer to the line fails.
 */
import type { AfterOfferResult, CallContext, OfferFailure, Stage, StageResult } from './call-context.js';
import { planFrom, type CallPlan } from './call-plan.js';

export const STAGE_ORDER = ['nuisance-blocking', 'anonymous-rejection', 'international-bar', 'forwarding', 'hunt-group'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

export type PipelineResult = StageResult & { stage?: string };
export type AfterOfferDecision = AfterOfferResult & { stage?: string };

export interface StageDecision {
  stage: string;
  /** What the stage said; after a failed offer, `failure` is set. */
  result: StageResult | AfterOfferResult;
  call: CallContext;
  failure?: OfferFailure;
}

export interface PipelineOptions {
  /** Called after every stage that ran, with what it said (for logging). */
  onDecision?(decision: StageDecision): void;
}

export class FeaturePipeline {
  readonly stages: readonly Stage[];

  /**
   * Stages must follow STAGE_ORDER. A stage may be left out (e.g. in tests),
   * but none may be unknown, repeated or out of order: that throws.
   */
  constructor(
    stages: Stage[],
    private readonly options: PipelineOptions = {},
  ) {
    let last = -1;
    for (const stage of stages) {
      const at = (STAGE_ORDER as readonly string[]).indexOf(stage.name);
      if (at < 0) throw new Error(`unknown feature stage '${stage.name}'; expected one of ${STAGE_ORDER.join(', ')}`);
      if (at <= last) throw new Error(`feature stage '${stage.name}' out of order; the order is ${STAGE_ORDER.join(' → ')}`);
      last = at;
    }
    this.stages = [...stages];
  }

  /** The first non-continue result, with the name of the stage that gave it; `continue` when all passed. */
  async run(call: CallContext): Promise<PipelineResult> {
    for (const stage of this.stages) {
      const result = await stage.run(call);
      this.options.onDecision?.({ stage: stage.name, result, call });
      if (result.kind !== 'continue') return { ...result, stage: stage.name };
    }
    return { kind: 'continue' };
  }

  /** `run`, as a plan: reject, forward, or the delivery strategy (with the ring time for a line). */
  async plan(call: CallContext): Promise<CallPlan> {
    return planFrom(await this.run(call), call, () => this.ringTime(call));
  }

  /** The shortest ring time any stage asks for; undefined when none does. */
  async ringTime(call: CallContext): Promise<number | undefined> {
    let shortest: number | undefined;
    for (const stage of this.stages) {
      const ms = await stage.ringTime?.(call);
      if (ms !== undefined && (shortest === undefined || ms < shortest)) shortest = ms;
    }
    return shortest;
  }

  /** After the offer to the line failed: the first stage that does not let the failure stand decides. */
  async afterOffer(call: CallContext, failure: OfferFailure): Promise<AfterOfferDecision> {
    for (const stage of this.stages) {
      if (!stage.afterOffer) continue;
      const result = await stage.afterOffer(call, failure);
      this.options.onDecision?.({ stage: stage.name, result, call, failure });
      if (result.kind !== 'continue') return { ...result, stage: stage.name };
    }
    return { kind: 'continue' };
  }
}

/**
 * The call-feature pipeline (spec §4): stages run in a fixed order and the
 * first one that does not say `continue` decides the call.
 */
import type { CallContext, Stage, StageResult } from './call-context.js';

export const STAGE_ORDER = ['nuisance-blocking', 'anonymous-rejection', 'international-bar', 'forwarding', 'hunt-group'] as const;
export type StageName = (typeof STAGE_ORDER)[number];

export type PipelineResult = StageResult & { stage?: string };

export interface StageDecision {
  stage: string;
  result: StageResult;
  call: CallContext;
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
  constructor(stages: Stage[], private readonly options: PipelineOptions = {}) {
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
}

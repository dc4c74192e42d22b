import type { StageDecision } from '../features/pipeline.js';
import type { Log } from '../log.js';
import { labelValue, type Metrics } from '../metrics/metrics.js';

/** One routing decision, as logged: which stage, what it said, and the fields that explain it. */
export interface Decision {
  stage: string;
  outcome: string;
  status?: number;
  reason?: string;
  targets?: string[];
  target?: string;
  why?: string;
  number?: string;
  presented?: string;
  withhold?: boolean;
  /** Where one attempt of a route went ("UDP 192.0.2.7:5060 (SRV _sip._udp.carrier.example -> sip1.carrier.example)"). */
  hop?: string;
}

/** Where each decision also goes (the call's detail record); `party` is the number whose settings made it. */
export type DecisionSink = (callId: string, decision: Decision, party?: string) => void;

/** Stages that act for the calling number; the others act for the number being called. */
const ORIGINATING_STAGES: ReadonlySet<string> = new Set(['international-bar']);

/**
 * The one writer of `call.decision` events: feature stages (before and after
 * the offer), origination, outbound and emergency routing, hunt members
 * skipped. Operators and tests read them by `callId` and `stage`.
 */
export class DecisionLog {
  constructor(
    private readonly log: Log,
    private readonly metrics?: Metrics,
    private readonly sink?: DecisionSink,
  ) {}

  record(callId: string, decision: Decision, party?: string): void {
    // Stage and outcome names are the code's own: a fixed set of label values.
    this.metrics?.callDecisions.inc({ stage: labelValue(decision.stage), outcome: labelValue(decision.outcome) });
    this.log.info({ event: 'call.decision', callId, ...decision }, `${decision.stage}: ${decision.outcome}`);
    this.sink?.(callId, decision, party);
  }

  /** A feature stage's answer, as the pipeline reports it (`onDecision`). */
  readonly stage = ({ stage, result, call, failure }: StageDecision): void => {
    const party = ORIGINATING_STAGES.has(stage) ? call.callerNumber : call.calledNumber;
    if (failure !== undefined) {
      // After a failed offer: the failure is the reason; a forward names its target, a refusal its why.
      const outcome = result.kind === 'continue' ? ('refused' in result && result.refused ? 'refused' : 'none') : result.kind;
      this.record(
        call.callId,
        {
          stage,
          outcome,
          reason: failure,
          ...(result.kind === 'retarget' ? { target: result.targets[0] } : {}),
          ...(result.kind === 'reject' ? { status: result.status } : {}),
          ...(result.kind === 'continue' && 'refused' in result && result.refused ? { why: result.refused } : {}),
        },
        party,
      );
      return;
    }
    this.record(
      call.callId,
      {
        stage,
        outcome: result.kind,
        ...(result.kind === 'reject' ? { status: result.status, reason: result.reason } : {}),
        ...(result.kind === 'retarget' ? { targets: result.targets, reason: result.diversion ?? result.why } : {}),
      },
      party,
    );
  };
}

/**
 * What the router does with a call once the feature stages have spoken: reject
 * it, forward it (and run the stages again for the new number), or deliver it
 * with one of three strategies. Pure: the delivery layer runs the strategy and
 * holds no feature rules of its own.
 */
import type { AnnouncementReason, CallContext, DiversionReason } from './call-context.js';
import type { PipelineResult } from './pipeline.js';
import { huntDelivery } from './stages/hunt-group.js';
import { VOICEMAIL_DESTINATION } from '../numbers/forwarding-destination.js';

/** A final answer we generate. */
export interface Answer {
  status: number;
  reason: string;
}

export type Delivery =
  /** The called number's line, ringing at most `ringTimeoutMs` when a stage wants to act on no answer. */
  | { kind: 'line'; number: string; ringTimeoutMs?: number }
  /**
   * Members in order, moving on past one that fails (busy, unreachable or
   * refusing); `allBusy` when every member was busy, else `otherwise` (the
   * line's own answer when it is that status).
   */
  | { kind: 'hunt'; members: string[]; allBusy: Answer; otherwise: Answer }
  /** A number that is not ours: out through the longest-prefix route, or the emergency route. */
  | { kind: 'outbound'; number: string; emergency: boolean }
  /** The voice-mail platform, for the mailbox of the number that forwarded there (docs/product.md §4.4). */
  | { kind: 'voicemail'; mailbox: string };

export type CallPlan =
  | { kind: 'reject'; stage?: string; status: number; reason: string; headers?: Array<[string, string]>; announcement?: AnnouncementReason }
  | { kind: 'forward'; stage?: string; to: string; diversion: DiversionReason }
  | { kind: 'deliver'; stage?: string; delivery: Delivery };

/**
 * The plan for what the pipeline said. `ringTime` is asked only when the call
 * goes to the called number's own line.
 */
export async function planFrom(result: PipelineResult, call: CallContext, ringTime: () => Promise<number | undefined>): Promise<CallPlan> {
  const stage = result.stage !== undefined ? { stage: result.stage } : {};
  switch (result.kind) {
    case 'reject':
      return {
        kind: 'reject',
        ...stage,
        status: result.status,
        reason: result.reason,
        ...(result.headers ? { headers: result.headers } : {}),
        ...(result.announcement ? { announcement: result.announcement } : {}),
      };
    case 'retarget':
      if (result.why === 'hunt') return { kind: 'deliver', ...stage, delivery: huntDelivery(result.targets) };
      return { kind: 'forward', ...stage, to: result.targets[0]!, diversion: result.diversion ?? 'unconditional' };
    case 'continue': {
      if (call.calledNumber === VOICEMAIL_DESTINATION) return { kind: 'deliver', delivery: { kind: 'voicemail', mailbox: call.forwards.at(-1)?.from ?? '' } };
      if (!call.calledIsOurs) return { kind: 'deliver', delivery: { kind: 'outbound', number: call.calledNumber, emergency: false } };
      const ringTimeoutMs = await ringTime();
      return { kind: 'deliver', delivery: { kind: 'line', number: call.calledNumber, ...(ringTimeoutMs !== undefined ? { ringTimeoutMs } : {}) } };
    }
  }
}

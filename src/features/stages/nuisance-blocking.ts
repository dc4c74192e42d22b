/**
 * Nuisance-call blocking (docs/product.md §4.1, terminating).
 *
 * The called number's `blockedCallers` (≤ 30 national numbers) are refused:
 * - default answer `603 Decline`;
 * - when `blockAnnouncementUri` is set the answer is still `603 Decline`, with
 *   `Call-Info: <uri>;purpose=announcement` so the router (or the peer that
 *   sent the call) can play that announcement to the caller instead of a bare
 *   rejection. The stage does not connect media itself.
 * With an announcement server configured the router answers the call there
 * instead (`announcement`, docs/product.md §4.7).
 * Each rejection is counted per called number (`deps.countRejection`; the
 * store keeps this month and last month). A call without a caller number
 * cannot be matched and passes; so does a payphone (`callerPayphone`, which
 * only a trusted peer's asserted identity can set), even when listed.
 */
import type { CallContext, Stage, StageResult } from '../call-context.js';
import { normalizeNumber } from '../../numbers/national.js';

export interface NuisanceBlockingDeps {
  countRejection(calledNumber: string, now: Date): Promise<void>;
  /** A failed count must not let a blocked call through; it is reported here. */
  onCountError?(err: unknown, call: CallContext): void;
}

export class NuisanceBlockingStage implements Stage {
  readonly name = 'nuisance-blocking';

  constructor(private readonly deps: NuisanceBlockingDeps) {}

  async run(call: CallContext): Promise<StageResult> {
    const features = call.calledFeatures;
    if (features === undefined || call.callerNumber === undefined || call.callerPayphone === true) return { kind: 'continue' };
    const caller = normalizeNumber(call.callerNumber) ?? call.callerNumber;
    const blocked = features.blockedCallers.some((n) => (normalizeNumber(n) ?? n) === caller);
    if (!blocked) return { kind: 'continue' };

    try {
      await this.deps.countRejection(features.number, call.now);
    } catch (err) {
      this.deps.onCountError?.(err, call);
    }
    const uri = features.blockAnnouncementUri;
    if (uri !== undefined && uri !== '') {
      return { kind: 'reject', status: 603, reason: 'Decline', headers: [['Call-Info', `<${uri}>;purpose=announcement`]], announcement: 'nuisance' };
    }
    return { kind: 'reject', status: 603, reason: 'Decline', announcement: 'nuisance' };
  }
}

/**
 * Anonymous-call rejection (docs/product.md §4.2, terminating; RFC 5079).
 *
 * When the called number has `anonymousRejection` on, a caller whose identity
 * is `withheld` gets `433 Anonymity Disallowed`. `unavailable` (e.g. from
 * abroad) and `payphone` callers have not withheld anything and pass.
 */
import type { CallContext, Stage, StageResult } from '../call-context.js';

export class AnonymousRejectionStage implements Stage {
  readonly name = 'anonymous-rejection';

  run(call: CallContext): StageResult {
    if (call.calledFeatures?.anonymousRejection === true && call.callerIdentity === 'withheld') {
      return { kind: 'reject', status: 433, reason: 'Anonymity Disallowed', announcement: 'anonymous' };
    }
    return { kind: 'continue' };
  }
}

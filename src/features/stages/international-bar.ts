/**
 * International-call bar (docs/product.md §4.3, originating).
 *
 * A call from one of our lines (`callerFeatures` present) whose calling number
 * has `internationalBar` on, to an international destination (010…), gets
 * `403 International calls are barred on this line`. Calls from peers
 * (incoming calls) are never barred; emergency numbers are never barred.
 * {@link forwardBarred} applies the same bar to a forward that would send
 * a call abroad (the forwarding number's setting).
 */
import type { CallContext, Stage, StageResult } from '../call-context.js';
import type { NumberFeatures } from '../settings.js';
import { isInternationalNumber, normalizeNumber } from '../../numbers/national.js';
import { isEmergency } from '../../numbers/dialled.js';

export const INTERNATIONAL_BAR_REASON = 'International calls are barred on this line';

function isInternational(n: string): boolean {
  return !isEmergency(n) && isInternationalNumber(normalizeNumber(n) ?? n);
}

/** True when forwarding from a number with these features to `destination` must be refused. */
export function forwardBarred(forwardingFeatures: NumberFeatures, destination: string): boolean {
  return forwardingFeatures.internationalBar && isInternational(destination);
}

export class InternationalBarStage implements Stage {
  readonly name = 'international-bar';

  run(call: CallContext): StageResult {
    const caller = call.callerFeatures;
    if (caller === undefined || !caller.internationalBar) return { kind: 'continue' };
    // After a forward the destination was chosen by the forwarding number, whose
    // own bar was applied by forwardTarget(); the caller dialled a domestic number.
    if (call.forwards.length > 0) return { kind: 'continue' };
    if (!isInternational(call.calledNumber)) return { kind: 'continue' };
    return { kind: 'reject', status: 403, reason: INTERNATIONAL_BAR_REASON, announcement: 'internationalBar' };
  }
}

/**
 * Originating-side decisions for a call from one of our lines (docs/product.md §5), pure.
 *
 * 1. `184` / `186` prefix: withhold / present for this call; removed.
 * 2. Classify what was dialled: invalid → 404, incomplete → 484.
 * 3. Emergency numbers (110/118/119) are allowed only from geographic numbers
 *    (0 + area code): the calling number (5.) tells the area whose emergency
 *    route takes the call; others (050 IP phones, mobiles, toll-free) get 403.
 *    No restriction refuses an emergency call.
 * 4. Outgoing-call restriction (on the line's basic number) refuses anything
 *    else with 403.
 * 5. Presented number: the number the caller put in From/PAI when it is one of
 *    its line's numbers (basic or dial-in), else the basic number; a hunt-group
 *    member whose group presents the pilot presents the pilot; an enabled
 *    specific-number presentation (toll-free 0120/0800/0570) wins over both.
 * 6. Withhold: the number's default presentation, overridden by the prefix.
 *
 * The international bar is a pipeline stage (stages/international-bar.ts), not
 * decided here.
 */
import type { AnnouncementReason } from './call-context.js';
import { classifyDialled, stripPresentationPrefix, type DialledNumber } from '../numbers/dialled.js';
import { isGeographicNumber } from '../numbers/national.js';
import type { HuntGroup, NumberFeatures } from './settings.js';

export interface OriginateInput {
  /** Request-URI user part (or tel: number) as received. */
  dialledUserPart: string;
  line: { basicNumber: string; dialInNumbers: string[] };
  /** Number the caller put in From/PAI, normalized; ignored unless it is one of the line's numbers. */
  fromNumber?: string;
  /** Features of the calling number, i.e. `callingNumber(line, fromNumber)`. */
  features: NumberFeatures;
  /**
   * Features of the line's basic number, for the outgoing restriction. May be
   * left out when `features` already are the basic number's.
   */
  basicFeatures?: NumberFeatures;
  /** The hunt group the calling number belongs to, if any. */
  huntGroup?: HuntGroup | null;
}

export type OriginateResult =
  | { ok: true; dialled: DialledNumber; presentedNumber: string; withhold: boolean }
  /** `announcement`: the call is answered with it instead when an announcement server is configured (docs/product.md §4.7). */
  | { ok: false; status: number; reason: string; announcement?: AnnouncementReason };

export const OUTGOING_RESTRICTED_REASON = 'Outgoing calls are restricted on this line';
export const EMERGENCY_NOT_GEOGRAPHIC_REASON = 'Emergency calls need a geographic number (0 + area code)';

/** The line's number this call comes from: the From/PAI number when it is the line's own, else the basic number. */
export function callingNumber(line: OriginateInput['line'], fromNumber?: string): string {
  if (fromNumber !== undefined && (fromNumber === line.basicNumber || line.dialInNumbers.includes(fromNumber))) return fromNumber;
  return line.basicNumber;
}

/** What a line dialled: the Request-URI's user part without its 184/186 prefix, classified (known before any setting is read). */
export function dialledOf(dialledUserPart: string): DialledNumber {
  return classifyDialled(stripPresentationPrefix(dialledUserPart).digits);
}

export function originate(input: OriginateInput): OriginateResult {
  const { presentation } = stripPresentationPrefix(input.dialledUserPart);
  const dialled = dialledOf(input.dialledUserPart);
  if (dialled.kind === 'invalid') return { ok: false, status: 404, reason: 'Not Found' };
  if (dialled.kind === 'incomplete') return { ok: false, status: 484, reason: 'Address Incomplete' };

  const own = callingNumber(input.line, input.fromNumber);
  if (dialled.kind === 'emergency') {
    if (!isGeographicNumber(own)) return { ok: false, status: 403, reason: EMERGENCY_NOT_GEOGRAPHIC_REASON };
  } else {
    const basic = input.basicFeatures ?? input.features;
    if (basic.outgoingRestriction) return { ok: false, status: 403, reason: OUTGOING_RESTRICTED_REASON, announcement: 'outgoingRestriction' };
  }

  let presentedNumber = own;
  const group = input.huntGroup;
  if (group && group.presentation === 'pilot' && (group.pilot === own || group.members.includes(own))) {
    presentedNumber = group.pilot;
  }
  const specific = input.features.specificPresentation;
  if (specific?.enabled === true && specific.number !== '') presentedNumber = specific.number;

  const withhold = (presentation ?? input.features.presentation) === 'withhold';
  return { ok: true, dialled, presentedNumber, withhold };
}

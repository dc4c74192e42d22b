/**
 * Validation of a forwarding destination when a customer sets it (docs/product.md §4.4).
 * Pure; used by provisioning / the management API, never on the call path.
 *
 * Accepted:
 * - domestic fixed numbers with area code and 0ABJ IP-phone numbers: 0 + 9 digits;
 * - 050 IP-phone numbers: 050 + 8 digits (not 050-3300);
 * - mobiles: 070 / 080 / 090 + 8 digits;
 * - international numbers: 010 + country code + number, also written with a
 *   carrier prefix (`0033-010…`); the prefix is dropped (calls abroad leave by
 *   the service's own outbound route);
 * - the service's voice-mail platform, written `voicemail`;
 * - toll-free / navi-dial numbers (0120 / 0800 / 0570) when `tollFree` is on
 *   (the number's `tollFreeForwarding`).
 *
 * Refused, each with its own message: other carrier-selection prefixes (00XY),
 * 1XY service numbers, 0120 / 0800 / 0570 without `tollFree`, 0990, the
 * 020 / 030 / 040 / 060 ranges, 050-3300, anything starting with `#`,
 * extensions (short numbers not starting with 0), the number itself, anything
 * over 32 digits.
 *
 * Input may carry hyphens (and spaces); `+81…` / `+<cc>…` E.164 input is
 * converted to national / 010 form first.
 */
import { isInternationalNumber, normalizeNumber } from './national.js';

export type DestinationCheck = { ok: true; number: string } | { ok: false; message: string };

/** The destination naming the service's voice-mail platform (docs/product.md §4.4). */
export const VOICEMAIL_DESTINATION = 'voicemail';

export interface DestinationOptions {
  /** The number may forward to 0120 / 0800 / 0570 (its `tollFreeForwarding` is on). */
  tollFree?: boolean;
}

/** Toll-free and navi-dial numbers, accepted only with `tollFree`. */
const TOLL_FREE = /^(0120\d{6}|0800\d{7}|0570\d{6})$/;

export function isTollFreeNumber(n: string): boolean {
  return TOLL_FREE.test(n);
}

/** `00XY` + `010…`: an international number after a carrier-selection prefix. */
const CARRIER_PREFIXED_INTERNATIONAL = /^00\d{2}(?=010)/;

export const MAX_DESTINATION_DIGITS = 32;

/** Ranges refused by prefix (050-3300 is checked on its own: the rest of 050 is accepted). */
const REFUSED_PREFIXES: ReadonlyArray<[string, string]> = [
  ['0120', 'Toll-free numbers (0120) cannot be forwarding destinations without the toll-free forwarding option'],
  ['0800', 'Toll-free numbers (0800) cannot be forwarding destinations without the toll-free forwarding option'],
  ['0570', 'Navi-dial numbers (0570) cannot be forwarding destinations without the toll-free forwarding option'],
  ['0990', 'Premium-rate numbers (0990) cannot be forwarding destinations'],
  ['020', 'Numbers in the 020 range (pagers / M2M) cannot be forwarding destinations'],
  ['030', 'Numbers in the 030 range cannot be forwarding destinations'],
  ['040', 'Numbers in the 040 range cannot be forwarding destinations'],
  ['060', 'Numbers in the 060 range (UPT) cannot be forwarding destinations'],
];

function refuse(message: string): DestinationCheck {
  return { ok: false, message };
}

export function checkForwardingDestination(destination: string, ownNumber: string, options: DestinationOptions = {}): DestinationCheck {
  const raw = destination.trim();
  if (raw === '') return refuse('A forwarding destination is required');
  if (raw.toLowerCase() === VOICEMAIL_DESTINATION) return { ok: true, number: VOICEMAIL_DESTINATION };
  if (raw.startsWith('#')) return refuse('Numbers starting with # cannot be forwarding destinations');

  let digits = raw.replace(/[\s-]/g, '');
  if (digits.startsWith('+')) {
    if (!/^\+\d+$/.test(digits)) return refuse('Only digits and hyphens are allowed');
    if (digits.length - 1 > MAX_DESTINATION_DIGITS) return refuse(`A forwarding destination has at most ${MAX_DESTINATION_DIGITS} digits`);
    const converted = normalizeNumber(digits);
    if (converted === null) return refuse('Not a valid E.164 number; write international numbers as 010 + country code + number');
    digits = converted;
  }
  if (!/^\d+$/.test(digits)) return refuse('Only digits and hyphens are allowed');
  if (digits.length > MAX_DESTINATION_DIGITS) return refuse(`A forwarding destination has at most ${MAX_DESTINATION_DIGITS} digits`);

  if (!digits.startsWith('0')) {
    if (/^1\d\d$/.test(digits)) return refuse(`Service numbers such as ${digits} (1XY) cannot be forwarding destinations`);
    if (digits.length <= 8) return refuse('Extensions cannot be forwarding destinations; give a number with area code');
    return refuse('A number must start with 0 (area code) or 010 (international)');
  }
  digits = digits.replace(CARRIER_PREFIXED_INTERNATIONAL, '');
  if (digits.startsWith('010')) {
    if (!isInternationalNumber(digits)) return refuse('Not a valid international number: 010 + country code + number');
    return own(digits, ownNumber);
  }
  if (digits.startsWith('00')) return refuse('Carrier-selection prefixes (00XY) cannot be used in forwarding destinations');

  if (options.tollFree === true && /^0(120|800|570)/.test(digits)) {
    return isTollFreeNumber(digits) ? own(digits, ownNumber) : refuse('Toll-free numbers have 10 digits (0120, 0570) or 11 (0800)');
  }
  if (digits.startsWith('0503300')) return refuse('Numbers in the 050-3300 range cannot be forwarding destinations');
  for (const [prefix, message] of REFUSED_PREFIXES) {
    if (digits.startsWith(prefix)) return refuse(message);
  }

  if (/^0[789]0/.test(digits)) {
    if (digits.length !== 11) return refuse('Mobile numbers (070/080/090) have 11 digits');
  } else if (digits.startsWith('050')) {
    if (digits.length !== 11) return refuse('IP-phone numbers (050) have 11 digits');
  } else if (digits.length !== 10) {
    return refuse('Fixed and IP-phone numbers have 10 digits: 0 + area code + number');
  }
  return own(digits, ownNumber);
}

function own(number: string, ownNumber: string): DestinationCheck {
  const mine = normalizeNumber(ownNumber) ?? ownNumber.replace(/[\s-]/g, '');
  if (number === mine) return refuse('A number cannot be forwarded to itself');
  return { ok: true, number };
}

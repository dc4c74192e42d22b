/**
 * What a caller dialled (pure): the Request-URI user part of an INVITE, or the
 * number of a tel: URI, classified for routing (docs/product.md §2, §5).
 *
 * - `110`, `118`, `119`: emergency.
 * - `010` + country code + number, or `+<cc other than 81>…`: international.
 * - `0` + 9 or 10 digits, or `+81…`: national. The length is checked per range:
 *   `0[2-9]0…` (020, 050, 070, 080, 090, 0800, …) has 11 digits, every other
 *   range (fixed numbers, 0ABJ IP phones, 0120, 0570, 0990, …) has 10.
 * - Fewer digits than the range needs: incomplete (the router answers 484).
 * - Anything else (too long, letters, `#`, `00` carrier prefixes, short codes
 *   that are not emergency numbers): invalid (404).
 *
 * The `184` / `186` presentation prefixes are NOT handled here; strip them
 * first with {@link stripPresentationPrefix} (originating calls only).
 */
import { unescapeUser } from '../core/messages/index.js';
import { isInternationalNumber } from './national.js';

export type EmergencyNumber = '110' | '118' | '119';

export type DialledNumber =
  | { kind: 'emergency'; number: EmergencyNumber }
  /** `010` + country code + number. */
  | { kind: 'international'; number: string }
  /** `0` + 9 or 10 digits. */
  | { kind: 'national'; number: string }
  /** A prefix of a valid number: more digits are needed (484). */
  | { kind: 'incomplete'; number: string }
  /** Not a number we can route (404). */
  | { kind: 'invalid'; input: string };

const EMERGENCY: ReadonlySet<string> = new Set(['110', '118', '119']);
/** RFC 3966 visual separators, plus spaces people type. */
const SEPARATORS = /[\s\-.()]/g;

export function isEmergency(n: string): n is EmergencyNumber {
  return EMERGENCY.has(n);
}

/**
 * Remove visual separators, %-escapes and URI-user parameters
 * (`0312345678;phone-context=…`, `;cpc=…`) from a dialled string.
 */
export function cleanDialled(userPart: string): string {
  let s = unescapeUser(userPart.trim());
  if (/^tel:/i.test(s)) s = s.slice(4);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  return s.replace(SEPARATORS, '');
}

/**
 * `184` withholds and `186` presents the caller's number for one call; the
 * prefix is removed. Only a prefix followed by a number counts: a bare `184`
 * is returned as dialled. Separators are removed from the result.
 */
export function stripPresentationPrefix(digits: string): { digits: string; presentation?: 'withhold' | 'present' } {
  const s = cleanDialled(digits);
  const rest = s.slice(3);
  if (rest === '' || !/^\+?\d+$/.test(rest)) return { digits: s };
  if (s.startsWith('184')) return { digits: rest, presentation: 'withhold' };
  if (s.startsWith('186')) return { digits: rest, presentation: 'present' };
  return { digits: s };
}

/** Total digits a national number starting like `n` has (0 included). */
export function nationalLength(n: string): 10 | 11 {
  return /^0[2-9]0/.test(n) ? 11 : 10;
}

export function classifyDialled(userPart: string): DialledNumber {
  const s = cleanDialled(userPart);
  const invalid: DialledNumber = { kind: 'invalid', input: userPart };
  if (s.startsWith('+')) return fromE164(s.slice(1), userPart);
  if (!/^\d+$/.test(s)) return invalid;
  if (isEmergency(s)) return { kind: 'emergency', number: s };
  if (s.startsWith('1')) {
    // '1', '11' may still become an emergency number; other 1XY codes are not routed.
    return s === '1' || s === '11' ? { kind: 'incomplete', number: s } : invalid;
  }
  if (!s.startsWith('0')) return invalid;
  if (s.startsWith('010')) return international(s, userPart);
  if (s.startsWith('00')) return invalid; // carrier-selection prefix: not offered
  return national(s, userPart);
}

function national(s: string, input: string): DialledNumber {
  // '0' or '01' alone: could still become 010… or a national number.
  if (s.length < 3) return { kind: 'incomplete', number: s };
  const want = nationalLength(s);
  if (s.length < want) return { kind: 'incomplete', number: s };
  if (s.length > want) return { kind: 'invalid', input };
  return { kind: 'national', number: s };
}

/** Country codes never start with 0; E.164 has at most 15 digits. */
function international(s: string, input: string): DialledNumber {
  if (isInternationalNumber(s)) return { kind: 'international', number: s };
  const rest = s.slice(3);
  if (rest.startsWith('0') || rest.length > 15) return { kind: 'invalid', input };
  return { kind: 'incomplete', number: s };
}

function fromE164(digits: string, input: string): DialledNumber {
  if (!/^\d+$/.test(digits)) return { kind: 'invalid', input };
  if (digits.startsWith('81')) {
    // "+81 (0)3-…": the trunk prefix may be written; drop it.
    const rest = digits.slice(2).replace(/^0/, '');
    if (rest === '') return { kind: 'incomplete', number: `+${digits}` };
    // After +81 a national significant number never starts with 0 (or 10 = our 010 prefix).
    if (rest.startsWith('0') || rest.startsWith('10')) return { kind: 'invalid', input };
    return national(`0${rest}`, input);
  }
  return international(`010${digits}`, input);
}

/**
 * Telephone-number normalization (pure).
 *
 * Stored numbers are national: `0` + 9 or 10 digits. International numbers are
 * written `010` + country code + subscriber number. Input may carry hyphens,
 * spaces or parentheses, or be E.164 (`+81...` is national, any other country
 * code is international).
 */

const NATIONAL = /^0[1-9]\d{8,9}$/;
/** `010` + 7..15 digits (E.164 allows at most 15 digits including the country code). */
const INTERNATIONAL = /^010[1-9]\d{6,14}$/;
const SEPARATORS = /[\s\-()]/g;

/** A national number as stored: `0` + 9 or 10 digits, not the `010` international prefix. */
export function isNationalNumber(s: string): boolean {
  return NATIONAL.test(s) && !s.startsWith('010');
}

/** An international number in `010` + country code + number form. */
export function isInternationalNumber(s: string): boolean {
  return INTERNATIONAL.test(s);
}

/**
 * Normalize a number to national (`0312345678`) or international
 * (`010` + cc + number) form; null when it is neither.
 */
export function normalizeNumber(input: string): string | null {
  const s = input.trim().replace(SEPARATORS, '');
  if (s.startsWith('+')) return fromE164(s.slice(1));
  if (!/^\d+$/.test(s)) return null;
  if (s.startsWith('010')) return isInternationalNumber(s) ? s : null;
  return isNationalNumber(s) ? s : null;
}

function fromE164(digits: string): string | null {
  if (!/^\d+$/.test(digits)) return null;
  if (digits.startsWith('81')) {
    // "+81 (0)3-..." is a common way of writing it: drop the trunk prefix.
    const rest = digits.slice(2).replace(/^0/, '');
    const national = `0${rest}`;
    return isNationalNumber(national) ? national : null;
  }
  const international = `010${digits}`;
  return isInternationalNumber(international) ? international : null;
}

/**
 * Non-geographic ranges among 10-digit numbers: `0X0` ranges (050, 070, 080,
 * 090, 020…: 11 digits anyway), the 010 international prefix, toll-free
 * 0120, navi-dial 0570, premium 0990, tele-services 0170 / 0180.
 */
const NON_GEOGRAPHIC = /^(0[1-9]0|0120|0570|0990|0170|0180)/;

/**
 * A geographic number: `0` + area code + subscriber number, 10 digits (fixed
 * lines and 0AJ IP phones, which keep the area code). What emergency calls
 * need (docs/product.md §5): the area code tells where the caller is.
 */
export function isGeographicNumber(n: string): boolean {
  return /^0[1-9]\d{8}$/.test(n) && !NON_GEOGRAPHIC.test(n);
}

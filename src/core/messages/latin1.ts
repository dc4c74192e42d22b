// eslint-disable-next-line no-control-regex -- \x00 only opens the Latin-1 range; the test is for anything beyond it
const BEYOND_LATIN1 = /[^\x00-\xff]/;

/** Whether every character of `s` fits in one Latin-1 byte, as message text read from the wire always does. */
export function isLatin1(s: string): boolean {
  return !BEYOND_LATIN1.test(s);
}

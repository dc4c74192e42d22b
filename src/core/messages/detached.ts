/**
 * A copy of `text` that does not keep the message it was cut from alive.
 *
 * Header values are slices of the message's text, and in V8 a slice (or a
 * concatenation holding one) points into that whole text: a transaction key
 * or a binding kept for minutes would keep the whole REGISTER or INVITE
 * (often a kilobyte or more) for a few dozen characters. Concatenating makes
 * V8 copy the characters into a new flat string when the slice is taken, so
 * the result holds only its own characters. For anything kept past the
 * handling of its message.
 */
export function detached(text: string): string {
  return (' ' + text).slice(1);
}

import { isLatin1 } from './latin1.js';

/**
 * A copy of `text` that does not keep the message it was cut from alive.
 *
 * Header values are slices of the message's text, and in V8 a slice (or a
 * concatenation holding one) points into that whole text: a transaction key
 * or a binding kept for minutes would keep the whole REGISTER or INVITE
 * (often a kilobyte or more) for a few dozen characters. For anything kept
 * past the handling of its message.
 *
 * The copy is one flat string. Message text is read as Latin-1, so its
 * characters go through Latin-1 bytes and back unchanged, and the string
 * made from the bytes is new and flat. The older way, a slice of `' ' +
 * text`, kept a slice object on top of its copy: one more object, and 32
 * more bytes, for each of the strings a call keeps for 32 s. Text with
 * characters beyond Latin-1 still takes that way.
 */
export function detached(text: string): string {
  if (!isLatin1(text)) return (' ' + text).slice(1);
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** Methods defined by RFC 3261 and its extensions: unhandled ones get 405, unknown ones 501 (RFC 3261 §8.2.1, §21.5.2). */
export const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
]);

/**
 * Methods that exist only inside a dialog we relay: out of a dialog they get
 * 481 (RFC 3261 §15.1.2, §12.2.2), inside one the in-dialog handler takes them,
 * so they are allowed when there is one.
 */
export const IN_DIALOG_METHODS = ['BYE', 'UPDATE', 'INFO', 'PRACK'] as const;

/** The order methods are listed in an Allow header (the same list for a 405 and an OPTIONS answer). */
const ALLOW_ORDER = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'UPDATE', 'INFO', 'PRACK'];

/** An Allow header value for these methods, in the usual order (unlisted ones after, alphabetically). */
export function allowHeaderValue(methods: Iterable<string>): string {
  const rank = (m: string): number => {
    const i = ALLOW_ORDER.indexOf(m);
    return i === -1 ? ALLOW_ORDER.length : i;
  };
  return [...new Set(methods)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).join(', ');
}

/** URI schemes we can route (RFC 3261 §8.2.2.1: others get 416). */
export const SUPPORTED_URI_SCHEMES = new Set(['sip', 'sips', 'tel']);

/** Option tags we implement (RFC 3261 §8.2.2.3: a Require naming others gets 420). */
export const SUPPORTED_EXTENSIONS = new Set(['path']);

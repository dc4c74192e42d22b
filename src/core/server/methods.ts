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

/** URI schemes we can route (RFC 3261 §8.2.2.1: others get 416). */
export const SUPPORTED_URI_SCHEMES = new Set(['sip', 'sips', 'tel']);

/** Option tags we implement (RFC 3261 §8.2.2.3: a Require naming others gets 420). */
export const SUPPORTED_EXTENSIONS = new Set(['path']);

import t from 'tap';
import { reasonPhrase } from '../../../src/core/messages/index.js';

/**
 * The reason phrases of the IANA SIP response code registry (RFC 3261 §21 and
 * the RFCs that added codes), which the server puts in the status line when
 * the caller names none.
 */
const REGISTRY: Array<[rfc: string, codes: Record<number, string>]> = [
  [
    'RFC 3261 §21',
    {
      100: 'Trying',
      180: 'Ringing',
      181: 'Call Is Being Forwarded',
      182: 'Queued',
      183: 'Session Progress',
      200: 'OK',
      300: 'Multiple Choices',
      301: 'Moved Permanently',
      302: 'Moved Temporarily',
      305: 'Use Proxy',
      380: 'Alternative Service',
      400: 'Bad Request',
      401: 'Unauthorized',
      402: 'Payment Required',
      403: 'Forbidden',
      404: 'Not Found',
      405: 'Method Not Allowed',
      406: 'Not Acceptable',
      407: 'Proxy Authentication Required',
      408: 'Request Timeout',
      410: 'Gone',
      413: 'Request Entity Too Large',
      414: 'Request-URI Too Long',
      415: 'Unsupported Media Type',
      416: 'Unsupported URI Scheme',
      420: 'Bad Extension',
      421: 'Extension Required',
      423: 'Interval Too Brief',
      480: 'Temporarily Unavailable',
      481: 'Call/Transaction Does Not Exist',
      482: 'Loop Detected',
      483: 'Too Many Hops',
      484: 'Address Incomplete',
      485: 'Ambiguous',
      486: 'Busy Here',
      487: 'Request Terminated',
      488: 'Not Acceptable Here',
      491: 'Request Pending',
      493: 'Undecipherable',
      500: 'Server Internal Error',
      501: 'Not Implemented',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
      504: 'Server Time-out',
      505: 'Version Not Supported',
      513: 'Message Too Large',
      600: 'Busy Everywhere',
      603: 'Decline',
      604: 'Does Not Exist Anywhere',
      606: 'Not Acceptable',
    },
  ],
  ['RFC 6228', { 199: 'Early Dialog Terminated' }],
  ['RFC 6665 / RFC 3265', { 202: 'Accepted', 489: 'Bad Event' }],
  ['RFC 5839', { 204: 'No Notification' }],
  ['RFC 3903', { 412: 'Conditional Request Failed' }],
  ['RFC 4412', { 417: 'Unknown Resource-Priority' }],
  ['RFC 4028', { 422: 'Session Interval Too Small' }],
  ['RFC 6442', { 424: 'Bad Location Information' }],
  ['RFC 4474 / RFC 8224', { 428: 'Use Identity Header', 436: 'Bad Identity-Info', 437: 'Unsupported Certificate', 438: 'Invalid Identity Header' }],
  ['RFC 3892', { 429: 'Provide Referrer Identity' }],
  ['RFC 5626', { 430: 'Flow Failed', 439: 'First Hop Lacks Outbound Support' }],
  ['RFC 5079', { 433: 'Anonymity Disallowed' }],
  ['RFC 5393', { 440: 'Max-Breadth Exceeded' }],
  ['RFC 6086', { 469: 'Bad Info Package' }],
  ['RFC 5360', { 470: 'Consent Needed' }],
  ['RFC 3329', { 494: 'Security Agreement Required' }],
  ['RFC 8599', { 555: 'Push Notification Service Not Supported' }],
  ['RFC 3312', { 580: 'Precondition Failure' }],
  ['RFC 8197', { 607: 'Unwanted' }],
  ['RFC 8688', { 608: 'Rejected' }],
];

t.test('every registered code has its registered phrase', async (t) => {
  for (const [rfc, codes] of REGISTRY) {
    for (const [code, phrase] of Object.entries(codes)) t.equal(reasonPhrase(Number(code)), phrase, `${code} (${rfc})`);
  }
});

t.test('an unregistered code gets the name of its class (RFC 3261 §7.2, §21)', async (t) => {
  t.equal(reasonPhrase(150), 'Provisional');
  t.equal(reasonPhrase(250), 'Success');
  t.equal(reasonPhrase(399), 'Redirection');
  t.equal(reasonPhrase(499), 'Client Error');
  t.equal(reasonPhrase(599), 'Server Error');
  t.equal(reasonPhrase(699), 'Global Failure');
  t.equal(reasonPhrase(700), 'Unknown', 'beyond the classes');
});

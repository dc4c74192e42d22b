// Building responses to requests (RFC 3261 §8.2.6).
import { cseqOf, nameAddrOf, viaListOf } from './parsed.js';
import { Headers, SipResponse, type SipRequest } from './sip-message.js';

const PHRASES: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  199: 'Early Dialog Terminated',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
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
  412: 'Conditional Request Failed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  417: 'Unknown Resource-Priority',
  420: 'Bad Extension',
  421: 'Extension Required',
  422: 'Session Interval Too Small',
  423: 'Interval Too Brief',
  424: 'Bad Location Information',
  428: 'Use Identity Header',
  429: 'Provide Referrer Identity',
  430: 'Flow Failed',
  433: 'Anonymity Disallowed',
  436: 'Bad Identity-Info',
  437: 'Unsupported Certificate',
  438: 'Invalid Identity Header',
  439: 'First Hop Lacks Outbound Support',
  440: 'Max-Breadth Exceeded',
  469: 'Bad Info Package',
  470: 'Consent Needed',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  484: 'Address Incomplete',
  485: 'Ambiguous',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  493: 'Undecipherable',
  494: 'Security Agreement Required',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  555: 'Push Notification Service Not Supported',
  580: 'Precondition Failure',
  600: 'Busy Everywhere',
  603: 'Decline',
  604: 'Does Not Exist Anywhere',
  606: 'Not Acceptable',
  607: 'Unwanted',
  608: 'Rejected',
};
const CLASS_PHRASES = ['', 'Provisional', 'Success', 'Redirection', 'Client Error', 'Server Error', 'Global Failure'];

export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? CLASS_PHRASES[Math.floor(status / 100)] ?? 'Unknown';
}

/**
 * Response with Via (all, in order), From, To, Call-ID and CSeq copied from the
 * request. Record-Route is not copied (callers decide). Above 100 a To tag is
 * added when missing, derived from Call-ID, From tag and top Via branch so a
 * retransmitted request gets the same tag.
 */
export function createResponse(req: SipRequest, status: number, reason?: string): SipResponse {
  const src = req.headers;
  const h = new Headers();
  for (const v of src.getAll('via')) h.append('Via', v);
  const from = src.get('from');
  if (from !== undefined) h.append('From', from);
  let to = src.get('to');
  let toTagged = false;
  if (to !== undefined) {
    if (status > 100) {
      const na = req.to();
      if (na !== null && !('tag' in na.params)) {
        to += ';tag=' + toTag(req);
        toTagged = true;
      }
    }
    h.append('To', to);
  }
  const callId = src.get('call-id');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = src.get('cseq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  // Same header text, same parse: share what the request has parsed already.
  copyParsed(src, h, 'via', viaListOf);
  copyParsed(src, h, 'from', nameAddrOf);
  if (!toTagged) copyParsed(src, h, 'to', nameAddrOf);
  copyParsed(src, h, 'cseq', cseqOf);
  return new SipResponse(status, reason ?? reasonPhrase(status), h);
}

function copyParsed<T>(src: Headers, dst: Headers, name: string, parse: (h: Headers, name: string) => T): void {
  const v = src._peekParsed(name, parse);
  if (v !== undefined) dst._setParsed(name, parse, v);
}

/** Deterministic To tag for a request (same request -> same tag). */
export function toTag(req: SipRequest): string {
  return base36(hash53(requestIdentity(req)));
}

/**
 * What every copy of a request shares and another request does not: its
 * Call-ID, From tag and top Via branch (RFC 3261 §17.2.3 matches copies by
 * the branch). For answers that must be the same for each copy without
 * keeping state: the To tag, and a stateless challenge's nonce.
 */
export function requestIdentity(req: SipRequest): string {
  const h = req.headers;
  const from = h.get('from');
  const fromTag = from !== undefined ? (req.from()?.params['tag'] ?? from) : '';
  const topVia = h.get('via') ?? '';
  const branch = req.topVia()?.params['branch'] ?? topVia;
  return (h.get('call-id') ?? '') + '\n' + fromTag + '\n' + branch;
}

/** 36^5: below 2^30, so both halves stay small integers. */
const BASE36_SPLIT = 60_466_176;

/**
 * `n.toString(36)` for a whole number below 2^53, in two small-integer halves:
 * V8 writes a number beyond 2^30 in a radix through floating-point division
 * (about 1.1 µs, against 0.1 µs this way), and every answer that adds a To
 * tag writes one.
 */
export function base36(n: number): string {
  const high = Math.floor(n / BASE36_SPLIT);
  const low = n - high * BASE36_SPLIT;
  return high === 0 ? low.toString(36) : high.toString(36) + low.toString(36).padStart(5, '0');
}

/** cyrb53: fast, well-mixed 53-bit string hash. */
function hash53(s: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

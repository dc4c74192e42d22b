// SIP message parser (RFC 3261 §7, §25; RFC 4475). One pass indexes the header
// lines of a latin1 copy of the header section; values are materialised lazily
// by Headers. Validation covers what a server must check before answering.
import { TOKEN } from './headers/chars.js';
import { classifyHashed } from './header-names.js';
import { FOLDED, Headers, SLOT } from './headers.js';
import { SipRequest, SipResponse, type SipMessageLike } from './sip-message.js';
import { validateRequest, validateResponse, type HeaderSummary } from './validate.js';

/** SipParseError.why for a message in a SIP version other than 2.0 (a request gets 505). */
export const UNSUPPORTED_VERSION = 'unsupported SIP version';

export class SipParseError extends Error {
  /** Short operator-readable reason, e.g. "CSeq method does not match request method". */
  readonly why: string;
  /** Set when enough parsed to answer (with 400, or 505 for "unsupported SIP version"). */
  readonly request: SipRequest | undefined;

  constructor(why: string, request?: SipRequest) {
    super(why);
    this.name = 'SipParseError';
    this.why = why;
    this.request = request;
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');
const LFLF = Buffer.from('\n\n');
// Reused across calls (parsing is synchronous) and grown by appending, so it
// stays a packed array of small integers: far cheaper to copy out than
// allocating a typed array per message.
const scratch: number[] = [];

/** Parse one SIP message (a whole datagram, or one framed stream message). Throws SipParseError. */
export function parseMessage(data: Buffer): SipMessageLike {
  // RFC 3261 §7.5: ignore CRLFs before the start line (stream keep-alives).
  // Past the end data[start] is undefined, which ends the scan.
  let start = 0;
  while (data[start] === 13 || data[start] === 10) start++;
  if (start >= data.length) throw new SipParseError('empty message');

  // CRLF CRLF ends the headers; bare-LF messages are accepted too (the line
  // loop below stops at the first empty line whichever comes first).
  let headEnd = data.indexOf(CRLFCRLF, start);
  let bodyStart = headEnd + 4;
  if (headEnd === -1) {
    headEnd = data.indexOf(LFLF, start);
    bodyStart = headEnd + 2;
    if (headEnd === -1) throw new SipParseError('no empty line after headers');
  }

  const src = data.toString('latin1', start, headEnd);
  const srcLen = src.length;
  // The start line has at least one character (leading CR/LF were skipped).
  let lineEnd = src.indexOf('\n');
  if (lineEnd === -1) lineEnd = srcLen;
  const startLineEnd = src.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;

  // Index header lines. Each line [pos, e) is followed by CR, LF or the end
  // of the text, none of them a blank, a colon or a token character: the
  // scans within a line below stop at its end without checking it.
  const sum: HeaderSummary = {
    via: -1,
    from: -1,
    to: -1,
    callId: -1,
    cseq: -1,
    clen: -1,
    maxFwd: -1,
    date: -1,
    contact: -1,
    dupFrom: false,
    dupTo: false,
    dupCallId: false,
    dupCseq: false,
    dupMaxFwd: false,
    dupClen: false,
  };
  let n = 0;
  let pos = lineEnd + 1;
  const idx = scratch;
  let badLine = false;
  while (pos < srcLen) {
    let nl = src.indexOf('\n', pos);
    if (nl === -1) nl = srcLen;
    let e = nl;
    if (src.charCodeAt(e - 1) === 13) e--; // at an empty line e - 1 is the previous LF
    if (e === pos) {
      // Empty line inside the section: headers end here (bare-LF framing).
      bodyStart = start + nl + 1;
      break;
    }
    const c0 = src.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) {
      // Continuation line (folding).
      if (n === 0) {
        badLine = true;
        break;
      }
      let vs = pos;
      while (src.charCodeAt(vs) === 32 || src.charCodeAt(vs) === 9) vs++;
      let ve = e;
      // A blank line stops at the LF before it, leaving ve <= vs: nothing to add.
      while (src.charCodeAt(ve - 1) === 32 || src.charCodeAt(ve - 1) === 9) ve--;
      if (ve > vs) {
        const o = (n - 1) * SLOT;
        if ((idx[o + 3] as number) === (idx[o + 4] as number)) {
          idx[o + 3] = vs;
          idx[o + 4] = ve;
        } else {
          idx[o + 4] = ve;
          idx[o] = (idx[o] as number) | FOLDED;
        }
      }
      pos = nl + 1;
      continue;
    }
    let ne = pos;
    let hash = 0;
    for (let c = src.charCodeAt(ne); TOKEN[c] === 1; c = src.charCodeAt(++ne)) {
      if (c >= 65 && c <= 90) c += 32;
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    let colon = ne;
    while (src.charCodeAt(colon) === 32 || src.charCodeAt(colon) === 9) colon++;
    if (ne === pos || src.charCodeAt(colon) !== 58) {
      badLine = true;
      break;
    }
    let vs = colon + 1;
    while (src.charCodeAt(vs) === 32 || src.charCodeAt(vs) === 9) vs++;
    let ve = e;
    while (ve > vs && (src.charCodeAt(ve - 1) === 32 || src.charCodeAt(ve - 1) === 9)) ve--;
    const id = classifyHashed(src, pos, ne, hash);
    note(sum, id, n);
    // Past the scratch's length these stores append in order (SLOT is 5).
    const o = n * SLOT;
    idx[o] = id;
    idx[o + 1] = pos;
    idx[o + 2] = ne;
    idx[o + 3] = vs;
    idx[o + 4] = ve;
    n++;
    pos = nl + 1;
  }
  const headers = Headers.fromIndex(src, idx.slice(0, n * SLOT), n);

  const isResponse = src.charCodeAt(0) === 83 && src.charCodeAt(1) === 73 && src.charCodeAt(2) === 80 && src.charCodeAt(3) === 47;
  if (isResponse) {
    if (badLine) throw new SipParseError('malformed header line');
    const { status, reason } = parseStatusLine(src, startLineEnd);
    const res = new SipResponse(status, reason, headers);
    const why = validateResponse(res, sum, data, bodyStart);
    if (why !== null) throw new SipParseError(why);
    return res;
  }
  return parseRequest(src, startLineEnd, headers, sum, data, bodyStart, badLine);
}

/** Records where the headers the validator checks first appear, and their repeats; other ids have no case. */
function note(sum: HeaderSummary, id: number, i: number): void {
  switch (id) {
    case 1:
      if (sum.via < 0) sum.via = i;
      break;
    case 2:
      if (sum.from < 0) sum.from = i;
      else sum.dupFrom = true;
      break;
    case 3:
      if (sum.to < 0) sum.to = i;
      else sum.dupTo = true;
      break;
    case 4:
      if (sum.callId < 0) sum.callId = i;
      else sum.dupCallId = true;
      break;
    case 5:
      if (sum.cseq < 0) sum.cseq = i;
      else sum.dupCseq = true;
      break;
    case 6:
      if (sum.clen < 0) sum.clen = i;
      else sum.dupClen = true;
      break;
    case 7:
      if (sum.maxFwd < 0) sum.maxFwd = i;
      else sum.dupMaxFwd = true;
      break;
    case 8:
      if (sum.contact < 0) sum.contact = i;
      break;
    case 15:
      if (sum.date < 0) sum.date = i;
      break;
  }
}

// SIP-Version = "SIP/" 1*DIGIT "." 1*DIGIT (§25.1): a version this server does not speak gets 505.
const SIP_VERSION = /^SIP\/\d+\.\d+$/i;

function parseStatusLine(src: string, end: number): { status: number; reason: string } {
  // SIP-Version SP Status-Code SP Reason-Phrase. A space found past the end of
  // the line leaves a line break in the version, which is refused below.
  const sp = src.indexOf(' ');
  if (sp === -1) throw new SipParseError('malformed status line');
  const version = src.slice(0, sp);
  if (version !== 'SIP/2.0') throw new SipParseError(SIP_VERSION.test(version) ? UNSUPPORTED_VERSION : 'malformed status line');
  // Status-Code = 3DIGIT, 100 to 699, then SP Reason-Phrase or the end of the line.
  let status = 0;
  const i = sp + 4;
  for (let d = sp + 1; d < i; d++) {
    const c = src.charCodeAt(d);
    if (!(c >= 48 && c <= 57)) throw new SipParseError('malformed status code'); // NaN past the text too
    status = status * 10 + (c - 48);
  }
  if (status < 100 || status > 699 || (i < end && src.charCodeAt(i) !== 32)) throw new SipParseError('malformed status code');
  return { status, reason: src.slice(i + 1, end) }; // '' when i + 1 > end
}

function parseRequest(src: string, end: number, headers: Headers, sum: HeaderSummary, data: Buffer, bodyStart: number, badLine: boolean): SipRequest {
  // Method SP Request-URI SP SIP-Version, single SPs (RFC 3261 §7.1).
  const sp1 = src.indexOf(' ');
  let m = 0;
  while (TOKEN[src.charCodeAt(m)] === 1) m++; // stops at CR, LF or the end of the text
  if (m === 0 || sp1 !== m) throw new SipParseError('malformed request line');
  const method = src.slice(0, sp1);
  const sp2 = src.lastIndexOf(' ', end); // src[end] is CR, LF or past the text
  // Without a version the URI is the rest of the line, for the 400 that answers it.
  const uri = src.slice(sp1 + 1, sp2 > sp1 ? sp2 : end);
  const req = new SipRequest(method, uri, headers);
  if (badLine) throw withRequest('malformed header line', req, sum);
  if (sp2 <= sp1) throw withRequest('malformed request line', req, sum);
  const version = src.slice(sp2 + 1, end);
  if (version !== 'SIP/2.0') {
    throw withRequest(SIP_VERSION.test(version) ? UNSUPPORTED_VERSION : 'malformed request line', req, sum);
  }
  const why = validateRequest(req, src, sp1 + 1, sp2, sum, data, bodyStart);
  if (why !== null) throw withRequest(why, req, sum);
  return req;
}

// Error path only, so a regex is fine: protocol / version / transport SP sent-by.
// The value is trimmed already; only the start of the host is checked.
const SENT_BY = /^[\w.!%*+`'~-]+\s*\/\s*[\w.!%*+`'~-]+\s*\/\s*[\w.!%*+`'~-]+\s+(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-])/;

/** Build the error, attaching the request when a response could be routed back. */
function withRequest(why: string, req: SipRequest, sum: HeaderSummary): SipParseError {
  if (sum.via < 0 || sum.from < 0 || sum.to < 0 || sum.callId < 0 || sum.cseq < 0) return new SipParseError(why);
  if (!SENT_BY.test(req.headers.get('via') as string)) return new SipParseError(why);
  return new SipParseError(why, req);
}

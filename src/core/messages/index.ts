// SIP message layer: model, parser, serializer, header parsers.
export { Headers, SipMessage, SipRequest, SipResponse, isRequest, type SipMessageLike } from './sip-message.js';
export { SipParseError, parseMessage, UNSUPPORTED_VERSION } from './parser.js';
export { serializeMessage } from './serializer.js';
export { createResponse, reasonPhrase, requestIdentity, toTag } from './responses.js';
export { bareHost, parseUri, formatUri, uriEquals, unescapeUser, type SipUri } from './headers/uri.js';
export { parseNameAddr, formatNameAddr, parseContactList, type NameAddr } from './headers/name-addr.js';
export { parseVia, formatVia, type Via } from './headers/via.js';
export { parseCSeq } from './headers/cseq.js';
export { parseCredentials, formatChallenge, type Credentials } from './headers/auth.js';
export { splitList } from './headers/list.js';
export { copyVia, type CSeq, type ReadonlyDeep } from './parsed.js';
export { detached } from './detached.js';

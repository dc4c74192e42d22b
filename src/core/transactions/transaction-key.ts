import type { SipRequest, Via } from '../messages/index.js';

const MAGIC_COOKIE = 'z9hG4bK';

/**
 * Server transaction key (RFC 3261 §17.2.3): branch, sent-by and method, with
 * ACK matching its INVITE. Requests from RFC 2543 peers (no magic cookie) fall
 * back to the older dialog-and-CSeq matching.
 */
export function serverTransactionKey(request: SipRequest, topVia: Via, callId: string, cseq: number): string {
  const method = request.method === 'ACK' ? 'INVITE' : request.method;
  const branch = topVia.params.branch;
  const sentBy = `${topVia.host}:${topVia.port ?? ''}`;
  if (branch && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy}|${method}`;
  return `2543|${callId}|${cseq}|${sentBy}|${branch ?? ''}|${method}`;
}

/** The key of the INVITE transaction a CANCEL refers to (same branch, method INVITE). */
export function cancelledInviteKey(cancelKey: string): string {
  return cancelKey.replace(/\|CANCEL$/, '|INVITE');
}

import { detached, type SipRequest, type Via } from '../messages/index.js';

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
  // Detached: a completed transaction keeps its key for 64*T1 (32 s), and must not keep its request's text with it.
  if (branch && branch.startsWith(MAGIC_COOKIE)) return detached(`${branch}|${sentBy}|${method}`);
  return detached(`2543|${callId}|${cseq}|${sentBy}|${branch ?? ''}|${method}`);
}

/** The key of the INVITE transaction a CANCEL refers to (same branch, method INVITE). */
export function cancelledInviteKey(cancelKey: string): string {
  return cancelKey.replace(/\|CANCEL$/, '|INVITE');
}

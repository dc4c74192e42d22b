import { randomBytes } from 'node:crypto';
import { detached, Headers, SipRequest, type ReadonlyDeep, type SipResponse, type Via } from '../core/messages/index.js';
import { viaDestination } from '../core/transport/via-routing.js';
import { workerBranchTag } from '../core/server/worker-dispatch.js';
import type { ProxySigner } from './signing.js';

const MAGIC_COOKIE = 'z9hG4bK';
const BRANCH_PREFIX = randomBytes(4).toString('hex');
let branchCounter = 0;

/**
 * A fresh RFC 3261 branch, unique across nodes (random prefix) and calls
 * (counter), signed over the Call-ID and `upstream` (see upstreamOf), where
 * responses to it go back. A stray 2xx is relayed only on a branch that
 * verifies (verifyBranch), so a forged next Via cannot aim it elsewhere.
 * `worker` (several workers on one port) is named first, so a response the
 * kernel hands to another worker is passed to this one (worker-dispatch.ts).
 */
export function newBranch(signer: ProxySigner, callId: string, upstream: string, worker?: number): string {
  branchCounter = (branchCounter + 1) % 0x7fffffff;
  const id = `${workerBranchTag(worker)}${BRANCH_PREFIX}.${branchCounter.toString(36)}`;
  // Flat: a branch is kept 32 s after an answer, and a concatenation is two or three string objects.
  return detached(`${MAGIC_COOKIE}${id}.${signer.branchSignature(id, callId, upstream)}`);
}

/** Whether `branch` is one we made for this Call-ID and upstream hop. */
export function verifyBranch(signer: ProxySigner, branch: string, callId: string, upstream: string): boolean {
  if (!branch.startsWith(MAGIC_COOKIE)) return false;
  const dot = branch.lastIndexOf('.');
  if (dot <= MAGIC_COOKIE.length) return false;
  return signer.verifyBranch(branch.slice(dot + 1), branch.slice(MAGIC_COOKIE.length, dot), callId, upstream);
}

/** The upstream hop a Via sends responses to, as signed in a branch: "TRANSPORT address:port". */
export function upstreamOf(via: ReadonlyDeep<Via>): string {
  const d = viaDestination(via);
  return `${d.transport} ${d.address}:${d.port}`;
}

/** How one attempt at one target ended. */
export type BranchEnd =
  | { kind: 'answered'; response: SipResponse }
  | { kind: 'final'; response: SipResponse }
  /** Nothing at all came back in time (not even 100 Trying). */
  | { kind: 'silent' }
  /** Rang past the ring time and was CANCELled. */
  | { kind: 'ring-timeout'; response?: SipResponse };

/** The CANCEL for a forwarded INVITE (RFC 3261 §9.1): same Request-URI, top Via, Call-ID, From, To, CSeq number, Route. */
export function cancelFor(invite: SipRequest): SipRequest {
  const h = invite.headers;
  const headers = new Headers();
  headers.append('Via', (h.getAll('via')[0] ?? '').split(',')[0]!.trim());
  for (const route of h.getAll('route')) headers.append('Route', route);
  headers.append('Max-Forwards', '70');
  headers.append('From', h.get('from') ?? '');
  headers.append('To', h.get('to') ?? '');
  headers.append('Call-ID', h.get('call-id') ?? '');
  headers.append('CSeq', `${(h.get('cseq') ?? '0').trim().split(/\s+/)[0]} CANCEL`);
  return new SipRequest('CANCEL', invite.uri, headers);
}

/** The response as it goes upstream: our Via removed (RFC 3261 §16.7 step 3). */
export function withoutTopVia(response: SipResponse): SipResponse {
  response.headers.removeFirst('via');
  return response;
}

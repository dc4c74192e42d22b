import { randomBytes } from 'node:crypto';
import { Headers, SipRequest, type SipResponse } from '../core/messages/index.js';
import type { ClientTransaction } from '../core/transactions/client-transaction.js';
import type { Destination } from '../core/transport/transport.js';

const BRANCH_PREFIX = `z9hG4bK${randomBytes(4).toString('hex')}`;
let branchCounter = 0;

/** A fresh RFC 3261 branch, unique across nodes (random prefix) and calls (counter). */
export function newBranch(): string {
  branchCounter = (branchCounter + 1) % 0x7fffffff;
  return `${BRANCH_PREFIX}.${branchCounter.toString(36)}`;
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

/** The live state of the branch being tried, so a CANCEL from upstream can reach it. */
export interface ActiveBranch {
  request: SipRequest;
  branch: string;
  destination: Destination;
  transaction: ClientTransaction;
  provisional: boolean;
  cancelRequested: boolean;
  cancelSent: boolean;
}

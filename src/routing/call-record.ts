import type { OfferFailure } from '../features/call-context.js';
import type { CallParty, CallRecord, OpenCallRecord } from '../store/cdr-store.js';

/** How a call ended, as the router or a sweep saw it. */
export interface CallEnd {
  /** The INVITE's final status (200 when answered; 0 when none is known). */
  status: number;
  outcome: CallRecord['outcome'];
  endedBy: CallRecord['endedBy'];
  endReason: string;
  /** ms since the epoch. */
  endedAt: number;
  closedBy?: string;
}

/** A party of the call to place in its customer's scope: our line (and the number it used), or a number of ours. */
export type PartyRef = { role: CallParty['role']; number?: string; sipId?: string };

/**
 * Whose records a call is: the calling line, the called number, each number
 * that forwarded it, and the line it was delivered to. Numbers that are not
 * ours find no scope and are left out by the caller of this.
 */
export function partyRefs(open: OpenCallRecord): PartyRef[] {
  const refs: PartyRef[] = [];
  const withNumber = (number: string | undefined) => (number !== undefined ? { number } : {});
  if (open.origin.kind === 'line') refs.push({ role: 'caller', sipId: open.origin.name, ...withNumber(open.callingNumber) });
  if (open.calledNumber) refs.push({ role: 'called', number: open.calledNumber });
  for (const hop of open.forwards) refs.push({ role: 'forwarder', number: hop.from });
  if (open.delivered?.kind === 'line') refs.push({ role: 'delivered', sipId: open.delivered.name, ...withNumber(open.delivered.number) });
  return refs;
}

/** The finished record: the open one, how it ended, and whose it is. */
export function finishRecord(open: OpenCallRecord, end: CallEnd, parties: CallParty[]): CallRecord {
  const answeredMs = open.answeredAt ? Date.parse(open.answeredAt) : undefined;
  const durationSeconds = answeredMs === undefined ? 0 : Math.max(0, Math.round((end.endedAt - answeredMs) / 1000));
  return {
    ...open,
    endedAt: new Date(end.endedAt).toISOString(),
    durationSeconds,
    status: end.status,
    outcome: end.outcome,
    endedBy: end.endedBy,
    endReason: end.endReason,
    ...(end.closedBy !== undefined ? { closedBy: end.closedBy } : {}),
    parties,
  };
}

/**
 * The outcome of an unanswered call: how the last offer failed when the
 * router knows it, else read from the final status.
 */
export function unansweredOutcome(status: number, failure: OfferFailure | undefined): CallRecord['outcome'] {
  switch (failure) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no-answer';
    case 'unreachable':
      return 'unavailable';
    case 'rejected':
      return 'rejected';
  }
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 408) return 'unavailable';
  if ((status >= 500 && status < 600) || status === 0) return 'failed';
  return 'rejected';
}

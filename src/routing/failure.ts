import type { OfferFailure } from '../features/call-context.js';
import type { RelayOutcome } from '../proxy/proxy-core.js';

export type { OfferFailure };

/**
 * busy: 486/600 (or no free channel); unreachable: 480/404, nothing back
 * within 2 s, or no live binding; no-answer: rang past the ring time.
 */
export function classifyFailure(outcome: Extract<RelayOutcome, { kind: 'failed' }>): OfferFailure {
  if (outcome.ringTimeout) return 'no-answer';
  if (outcome.silent || !outcome.response) return 'unreachable';
  const status = outcome.response.status;
  if (status === 486 || status === 600) return 'busy';
  if (status === 480 || status === 404 || status === 408) return 'unreachable';
  return 'rejected';
}

/** The answer for a failure we generate ourselves (no response of the line fits). */
export function failureStatus(failure: OfferFailure): { status: number; reason: string } {
  switch (failure) {
    case 'busy':
      return { status: 486, reason: 'Busy Here' };
    case 'no-answer':
      return { status: 480, reason: 'Temporarily Unavailable' };
    default:
      return { status: 480, reason: 'Temporarily Unavailable' };
  }
}

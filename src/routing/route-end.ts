import type { SipResponse } from '../core/messages/index.js';
import type { RelayOutcome } from '../proxy/proxy-core.js';

/** Where routing ended: answered (already relayed), or the final answer to send. */
export type RouteEnd =
  | { kind: 'answered' }
  | { kind: 'cancelled'; response?: SipResponse }
  /** `response`: what a line or peer answered, relayed as the final answer (RFC 3261 §16.7); else we answer `status`. */
  | { kind: 'reject'; status: number; reason: string; headers?: Array<[string, string]>; response?: SipResponse };

export function relayedResponse(outcome: RelayOutcome | undefined): SipResponse | undefined {
  return outcome && outcome.kind !== 'answered' ? outcome.response : undefined;
}

export function cancelled(outcome: RelayOutcome): RouteEnd {
  const response = relayedResponse(outcome);
  return { kind: 'cancelled', ...(response ? { response } : {}) };
}

// Builders for feature tests (not a test file itself).
import type { CallContext } from '../../../src/features/call-context.js';
import { defaultFeatures, type NumberFeatures } from '../../../src/features/settings.js';

export function features(number: string, patch: Partial<NumberFeatures> = {}): NumberFeatures {
  return { ...defaultFeatures(number), ...patch };
}

export function forwardingFeatures(number: string, patch: Partial<NumberFeatures['forwarding']>, other: Partial<NumberFeatures> = {}): NumberFeatures {
  const f = features(number, other);
  return { ...f, forwarding: { ...f.forwarding, ...patch } };
}

/** A terminating call from a peer to our number 0312345678 unless patched. */
export function call(patch: Partial<CallContext> = {}): CallContext {
  return {
    callId: 'call-1',
    callerNumber: '0612345678',
    callerIdentity: 'presented',
    calledNumber: '0312345678',
    calledFeatures: features('0312345678'),
    calledIsOurs: true,
    forwards: [],
    now: new Date('2026-11-20T01:00:00Z'), // Friday 10:00 in Tokyo
    ...patch,
  };
}

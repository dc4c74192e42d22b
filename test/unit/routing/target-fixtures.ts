import type { Binding } from '../../../src/registrar/binding.js';
import type { HoldsConnection } from '../../../src/routing/targets.js';
import type { LineRecord } from '../../../src/store/line-store.js';

/** A digest line and its bindings, shared by the call-target tests (no sockets). */
export const line: LineRecord = {
  sipId: 'pbx',
  voiceGroupId: 'VG',
  siteId: '1000001',
  channels: 2,
  auth: 'digest',
  allowedAddresses: [],
  basicNumber: '0312345678',
  dialInNumbers: [],
};

/** This node holds every connection a binding names. */
export const HERE: HoldsConnection = (source) => source.connectionId !== undefined;

export function binding(uri: string, q: number | undefined, source: Partial<Binding['source']> = {}): Binding {
  return {
    key: uri,
    uri,
    ...(q !== undefined ? { q } : {}),
    expiresAt: 2e12,
    callId: 'c',
    cseq: 1,
    path: [],
    source: { transport: 'UDP', address: '203.0.113.5', port: 40000, node: 'n1', ...source },
    registeredAt: 0,
  };
}

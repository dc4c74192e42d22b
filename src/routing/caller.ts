import type { DigestAuthenticator } from '../auth/authenticator.js';
import type { HeaderList, IncomingRequest } from '../core/server/incoming-request.js';
import type { Peer } from '../features/settings.js';
import type { Log } from '../log.js';
import type { LogSummariser } from '../log-summary.js';
import type { LineRecord, LineStore } from '../store/line-store.js';

/** Who sent an initial INVITE (spec §3, issue 3 "who may call"). */
export type Caller =
  | { kind: 'line'; line: LineRecord; via: 'ip' | 'digest' }
  | { kind: 'peer'; peer: Peer };

export type Admission =
  | { ok: true; caller: Caller }
  | { ok: false; status: number; reason?: string; headers?: HeaderList };

export interface CallerSources {
  lines: LineStore;
  peerByAddress(address: string): Promise<Peer | null>;
  auth: DigestAuthenticator<LineRecord>;
  log: Log;
  /** Where failed authentications are logged (repeats summarised). */
  summary: LogSummariser;
}

/**
 * Trusted addresses first (IP-authenticated trunks, interconnect peers), then
 * digest with a 407 challenge. A digest failure is 403, like REGISTER.
 */
export async function admitCaller(request: IncomingRequest, sources: CallerSources): Promise<Admission> {
  const address = request.source.address;
  const ipLine = await sources.lines.byAddress(address);
  if (ipLine) return { ok: true, caller: { kind: 'line', line: ipLine, via: 'ip' } };
  const peer = await sources.peerByAddress(address);
  if (peer) return { ok: true, caller: { kind: 'peer', peer } };

  const outcome = await sources.auth.authenticate(request.message, 'proxy');
  switch (outcome.kind) {
    case 'authenticated':
      return { ok: true, caller: { kind: 'line', line: outcome.user, via: 'digest' } };
    case 'bad-request':
      return { ok: false, status: 400, reason: 'Bad Request', headers: [['Warning', `399 softswitch "${outcome.why}"`]] };
    case 'forbidden':
      sources.summary.warn({ event: 'auth.failed', method: request.method, reason: outcome.failure, sipId: outcome.username, address, port: request.source.port, callId: request.callId }, 'INVITE authentication failed', ['method', 'sipId', 'reason']);
      return { ok: false, status: 403, reason: 'Forbidden' };
    case 'challenge':
      if (outcome.failure) {
        sources.summary.warn({ event: 'auth.failed', method: request.method, reason: outcome.failure, sipId: outcome.username, address, port: request.source.port, callId: request.callId }, 'INVITE authentication failed', ['method', 'sipId', 'reason']);
      }
      return { ok: false, status: 407, reason: 'Proxy Authentication Required', headers: sources.auth.challengeHeaders('proxy', outcome.stale) };
  }
}

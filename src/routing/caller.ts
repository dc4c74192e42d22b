import type { DigestAuthenticator } from '../auth/authenticator.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { Peer } from '../features/settings.js';
import type { AuthFailureReporter } from '../security/auth-failures.js';
import type { LineRecord, LineStore } from '../store/line-store.js';

/** Who sent an initial INVITE (docs/product.md §3 and §5: who may call). */
export type Caller = { kind: 'line'; line: LineRecord; via: 'ip' | 'digest' } | { kind: 'peer'; peer: Peer };

/** Admitted, or refused (the refusal already answered). */
export type Admission = { ok: true; caller: Caller } | { ok: false };

export interface CallerSources {
  lines: Pick<LineStore, 'byAddress'>;
  peerByAddress(address: string): Promise<Peer | null>;
  auth: DigestAuthenticator<LineRecord>;
  /** Logs, counts and bans failed authentications, and records the line's latest error. */
  failures: AuthFailureReporter;
}

/**
 * Trusted addresses first (IP-authenticated trunks, interconnect peers), then
 * digest with a 407 challenge. A digest failure is 403, like REGISTER.
 */
export async function admitCaller(request: IncomingRequest, sources: CallerSources): Promise<Admission> {
  const address = request.source.address;
  // Both looked up at once (one store round trip); the IP trunk still comes first, and a failed
  // peer look-up matters only when no trunk is trusted at the address.
  const [ipLine, peer] = await Promise.allSettled([sources.lines.byAddress(address), sources.peerByAddress(address)]);
  if (ipLine.status === 'rejected') throw ipLine.reason;
  if (ipLine.value) return { ok: true, caller: { kind: 'line', line: ipLine.value, via: 'ip' } };
  if (peer.status === 'rejected') throw peer.reason;
  if (peer.value) return { ok: true, caller: { kind: 'peer', peer: peer.value } };

  const outcome = await sources.auth.authenticate(request.message, 'proxy');
  if (outcome.kind === 'authenticated') return { ok: true, caller: { kind: 'line', line: outcome.user, via: 'digest' } };
  const { failures } = sources;
  switch (outcome.kind) {
    case 'bad-request':
      await failures.refuse(request, { reason: 'malformed credentials', why: outcome.why }, () =>
        request.respond(400, 'Bad Request', [['Warning', `399 softswitch "${outcome.why}"`]]),
      );
      break;
    case 'forbidden':
      await failures.refuse(request, { reason: outcome.failure, sipId: outcome.username }, () => request.respond(403, 'Forbidden'));
      break;
    case 'challenge': {
      const answer = () => request.respond(407, 'Proxy Authentication Required', sources.auth.challengeHeaders('proxy', outcome.stale));
      if (outcome.failure) await failures.refuse(request, { reason: outcome.failure, sipId: outcome.username }, answer);
      else answer();
      break;
    }
  }
  return { ok: false };
}

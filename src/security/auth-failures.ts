import type { AuthFailureReason } from '../auth/authenticator.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { Log } from '../log.js';
import type { RegistrationStatusStore } from '../registrar/registration-status.js';
import { banReason, type BanLimits } from './ban-rules.js';
import type { BanGuard } from './ban-guard.js';
import type { SecurityStore } from './security-store.js';

export interface BanSettings extends BanLimits {
  windowSeconds: number;
  banSeconds: number;
}

export interface AuthFailureDeps {
  store: SecurityStore;
  guard: BanGuard;
  status: RegistrationStatusStore;
  settings: BanSettings;
  /** Addresses trusted by configuration (IP-authenticated lines, interconnect peers): never banned. */
  trusted(address: string): Promise<boolean>;
  log: Log;
  now?: () => number;
}

/** What went wrong with a request's credentials. */
export type AuthFailure =
  | { reason: AuthFailureReason; sipId: string | undefined }
  | { reason: 'malformed credentials'; why: string };

/** The answers that tell a guesser whether a password (or SIP-ID) was right: these are counted. */
const GUESSES: ReadonlySet<string> = new Set<AuthFailureReason>(['wrong password', 'unknown SIP-ID']);
/** Failures that prove the line exists, so they may become its latest error without anyone creating keys. */
const LINE_ERRORS: ReadonlySet<string> = new Set<AuthFailureReason>(['wrong password', 'nonce-count replay']);

/**
 * Everything done about a failed authentication, for REGISTER and INVITE
 * alike, and only once the answer has gone out: the answer's timing cannot
 * depend on whether the SIP-ID exists (the latest-error write happens only
 * for a real line). Logs it, counts guesses per source address and per
 * SIP-ID on all nodes, and bans the source when the rules say so.
 */
export class AuthFailureReporter {
  private readonly now: () => number;

  constructor(private readonly deps: AuthFailureDeps) {
    this.now = deps.now ?? Date.now;
  }

  async report(request: IncomingRequest, failure: AuthFailure): Promise<void> {
    const { log } = this.deps;
    const { transport, address, port } = request.source;
    const method = request.method;
    const where = { method, address, port, transport, callId: request.callId };
    if (failure.reason === 'malformed credentials') {
      log.warn({ event: 'auth.failed', reason: failure.reason, why: failure.why, ...where }, `${method} authentication failed`);
      return;
    }
    const sipId = failure.sipId;
    log.warn({ event: 'auth.failed', reason: failure.reason, sipId, ...where }, `${method} authentication failed`);
    if (sipId === undefined) return;
    await Promise.all([
      LINE_ERRORS.has(failure.reason)
        ? this.deps.status.recordError(sipId, new Date(this.now()), `${method} authentication failed: ${failure.reason}`)
        : undefined,
      GUESSES.has(failure.reason) ? this.countGuess(address, sipId) : undefined,
    ]);
  }

  private async countGuess(address: string, sipId: string): Promise<void> {
    const { store, settings, log } = this.deps;
    const counts = await store.countFailure(address, sipId, settings.windowSeconds * 1000);
    const reason = banReason(counts, settings);
    if (!reason) return;
    if (await this.deps.trusted(address)) {
      // Logged when the limit is first crossed, not for every failure after it.
      if (counts.source === settings.maxFailures + 1 || counts.source === settings.targetedMaxFailures + 1) {
        log.warn({ event: 'security.ban_skipped', address, reason, count: counts.source, sipId }, 'not banning an address trusted by configuration');
      }
      return;
    }
    const since = this.now();
    const until = since + settings.banSeconds * 1000;
    if (!(await store.ban({ address, reason, count: counts.source, sipId, since, until }, since))) return;
    this.deps.guard.noteBan(address, until, await store.bindingSources([address]));
    log.warn({ event: 'security.banned', address, reason, count: counts.source, sipId, until: new Date(until).toISOString() }, 'source address banned');
  }
}

import type { AuthFailureReason } from '../auth/authenticator.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { Log } from '../log.js';
import type { LogSummariser } from '../log-summary.js';
import { labelValue, methodLabel, type Metrics } from '../metrics/metrics.js';
import type { RegistrationStatusStore } from '../store/registration-status.js';
import { banReason, type BanLimits } from './ban-rules.js';
import type { BanGuard } from './ban-guard.js';
import type { SecurityStore } from '../store/security-store.js';

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
  /** Failed authentications a guesser repeats at will are logged first, then counted per source. */
  summary: LogSummariser;
  /** Counts failures and bans (softswitch_auth_failures_total, softswitch_bans_total). */
  metrics?: Metrics;
  now?: () => number;
}

/** What went wrong with a request's credentials. */
export type AuthFailure = { reason: AuthFailureReason; sipId: string | undefined } | { reason: 'malformed credentials'; why: string };

/** The answers that tell a guesser whether a password (or SIP-ID) was right: these are counted. */
const GUESSES: ReadonlySet<string> = new Set<AuthFailureReason>(['wrong password', 'unknown SIP-ID']);
/** Failures that prove the line exists, so they may become its latest error without anyone creating keys. */
const LINE_ERRORS: ReadonlySet<string> = new Set<AuthFailureReason>(['wrong password', 'nonce-count replay']);

/**
 * Everything done about a failed authentication, for REGISTER and INVITE
 * alike. Before the answer, only what is the same whether or not the SIP-ID
 * exists: the log line, counting the guess per source address and per SIP-ID
 * on all nodes (one Redis round trip), and the ban when the rules say so, so
 * that the next request from a banned source is already dropped. After the
 * answer, the latest-error write: to the line when it exists, to a throwaway
 * key when it does not, so even the work after the answer is the same.
 */
export class AuthFailureReporter {
  private readonly now: () => number;

  constructor(private readonly deps: AuthFailureDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Reports the failure around `answer` (which sends the refusal). */
  async refuse(request: IncomingRequest, failure: AuthFailure, answer: () => void): Promise<void> {
    const { summary } = this.deps;
    const { transport, address, port } = request.source;
    const method = request.method;
    const where = { method, address, port, transport, callId: request.callId };
    this.deps.metrics?.authFailures.inc({ method: methodLabel(method), reason: labelValue(failure.reason) });
    if (failure.reason === 'malformed credentials') {
      summary.warn({ event: 'auth.failed', reason: failure.reason, why: failure.why, ...where }, `${method} authentication failed`, [
        'method',
        'reason',
        'why',
      ]);
      answer();
      return;
    }
    const sipId = failure.sipId;
    summary.warn({ event: 'auth.failed', reason: failure.reason, sipId, ...where }, `${method} authentication failed`, ['method', 'sipId', 'reason']);
    if (sipId !== undefined && GUESSES.has(failure.reason)) await this.countGuess(address, sipId);
    answer();
    if (sipId === undefined) return;
    const text = `${method} authentication failed: ${failure.reason}`;
    if (LINE_ERRORS.has(failure.reason)) await this.deps.status.recordError(sipId, new Date(this.now()), text);
    else if (failure.reason === 'unknown SIP-ID') await this.deps.status.discardError(new Date(this.now()), text);
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
    this.deps.metrics?.bans.inc({ reason: reason === 'guessing a targeted SIP-ID' ? 'targeted' : 'failures' });
    this.deps.guard.noteBan(address, until, await store.bindingSources([address]));
    log.warn({ event: 'security.banned', address, reason, count: counts.source, sipId, until: new Date(until).toISOString() }, 'source address banned');
  }
}

import { nonceReplay, type AuthOutcome, type DigestAuthenticator, type NonceUse } from '../auth/authenticator.js';
import { parseUri, requestIdentity, type NameAddr } from '../core/messages/index.js';
import type { HeaderList, IncomingRequest } from '../core/server/incoming-request.js';
import { namesHost } from '../core/transport/local-host.js';
import type { Log } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';
import type { AuthFailureReporter } from '../security/auth-failures.js';
import type { Endpoint } from '../security/ban-rules.js';
import type { LineRecord } from '../store/line-store.js';
import { remainingSeconds, type Binding } from './binding.js';
import { applyRegister, type RegistrarLimits } from './binding-rules.js';
import { lineStateChanges, type LineStateChange } from './line-state.js';
import { NO_BINDINGS, type BindingStore, type StoredBindings } from '../store/binding-store.js';
import { BoundedMap } from '../store/bounded-map.js';
import type { RegistrationStatusStore } from '../store/registration-status.js';

export interface RegistrarOptions {
  limits: RegistrarLimits;
  /** Hosts this registrar keeps bindings for (domain, realm); IP literals are always accepted. */
  domains: string[];
  nodeId: string;
  auth: DigestAuthenticator<LineRecord>;
  bindings: BindingStore;
  status: RegistrationStatusStore;
  /** Logs, counts and bans failed authentications around the answer (see AuthFailureReporter). */
  failures: AuthFailureReporter;
  /**
   * Where a SIP-ID's bindings from one endpoint now end (0: none left), so a ban of that address spares it.
   * Written by the binding write itself on a single Redis; this is for a cluster.
   */
  recordBindingSource(from: Endpoint, sipId: string, expiresAt: number): Promise<void>;
  /** How long a binding source is kept at most (ms): the longest a binding can last. */
  keepSourceMs: number;
  /** How many lines' bindings this node keeps a copy of (0: none; every REGISTER then reads first). */
  knownLines: number;
  /**
   * A REGISTER gave the line its first live binding ('registered') or removed its last ('removed').
   * A line whose bindings had all run out before the sweep reached them reports 'expired' first.
   */
  onLineState?: (sipId: string, change: LineStateChange) => void;
  log: Log;
  /** Counts REGISTER outcomes (softswitch_registrations_total). */
  metrics?: Metrics;
  now?: () => number;
}

/** How a REGISTER ended, as counted; a 503 for a store outage is counted by the wrapper that sends it. */
export type RegistrationOutcome = 'registered' | 'unregistered' | 'queried' | 'challenged' | 'auth_failed' | 'refused' | 'error';

/** A write lost to another node's concurrent write is retried this often before giving up with 500. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * The registrar (RFC 3261 §10.3): authenticate, check the AoR, apply the
 * binding rules, store, and answer with every current contact.
 */
export class Registrar {
  private readonly now: () => number;
  /** Each line's bindings as this node last wrote or read them: a guess the compare-and-set checks. */
  private readonly known: BoundedMap<string, StoredBindings>;

  constructor(private readonly options: RegistrarOptions) {
    this.now = options.now ?? Date.now;
    this.known = new BoundedMap(options.knownLines, Infinity, this.now);
  }

  readonly handle = async (request: IncomingRequest): Promise<void> => {
    const uri = request.message.requestUri();
    if (!uri || !this.servesDomain(uri.host)) {
      this.count('refused');
      request.respond(404, 'Domain Not Served Here');
      return;
    }
    // The nonce-count is checked in the same store round trip as the binding write (updateBindings).
    const outcome = await this.options.auth.verify(request.message, 'www');
    if (outcome.kind !== 'verified') {
      await this.refuseAuth(request, outcome);
      return;
    }
    const sipId = outcome.username;
    const to = request.message.to();
    const toUser = to ? parseUri(to.uri)?.user : undefined;
    if (toUser !== sipId) {
      if (await this.replayed(request, outcome.nonceUse)) return;
      await this.refuse(request, sipId, 403, 'Forbidden', 'To does not name the authenticated SIP-ID');
      return;
    }
    // Parsed once per message and shared: hand the binding rules their own array.
    const parsed = request.message.contacts();
    const contacts = parsed === '*' || parsed === null ? parsed : parsed.slice();
    if (contacts === null) {
      if (await this.replayed(request, outcome.nonceUse)) return;
      await this.refuse(request, sipId, 400, 'Bad Contact', 'malformed Contact header');
      return;
    }
    await this.updateBindings(request, sipId, contacts, outcome.nonceUse);
  };

  /**
   * Decides from the line's bindings as this node last wrote or read them
   * (assumed empty for a line it has not seen) and writes with a
   * compare-and-set that also checks the nonce-count: one store round trip
   * when no other node wrote the line meanwhile. Otherwise the script answers
   * with the stored set and the decision is made again. A refusal or a query
   * is answered only from a set the store has just confirmed.
   */
  private async updateBindings(request: IncomingRequest, sipId: string, contacts: '*' | NameAddr[], nonceUse: NonceUse): Promise<void> {
    const { bindings, limits, log, nodeId } = this.options;
    const message = request.message;
    const source = request.source;
    const cseq = Number.parseInt(message.headers.get('cseq') ?? '0', 10);
    const unchanged = contacts !== '*' && contacts.length === 0;
    let pendingNonce: NonceUse | undefined = nonceUse;
    let stored = this.known.get(sipId) ?? NO_BINDINGS;
    let confirmed = false;
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const now = this.now();
      if (unchanged && !confirmed) {
        const read = await bindings.write(sipId, { nonceUse: pendingNonce, read: null });
        if (read.kind === 'replay') return this.refuseAuth(request, nonceReplay(sipId));
        pendingNonce = undefined;
        stored = this.remember(sipId, read.stored);
        confirmed = true;
      }
      const decision = applyRegister(
        stored.bindings,
        {
          contacts,
          expiresHeader: message.headers.get('expires'),
          callId: request.callId,
          cseq,
          now,
          template: {
            path: message.headers.getList('path'),
            source: {
              transport: source.transport,
              address: source.address,
              port: source.port,
              node: nodeId,
              ...(source.connectionId ? { connectionId: source.connectionId } : {}),
            },
            userAgent: message.headers.get('user-agent'),
          },
        },
        limits,
      );
      if (!decision.ok && !confirmed) {
        // Decided from this node's copy: make sure of the stored set (and the nonce-count) before refusing.
        const read = await bindings.write(sipId, { nonceUse: pendingNonce, read: null });
        if (read.kind === 'replay') return this.refuseAuth(request, nonceReplay(sipId));
        pendingNonce = undefined;
        stored = this.remember(sipId, read.stored);
        confirmed = true;
        continue;
      }
      if (!decision.ok) {
        const headers: HeaderList = decision.minExpires ? [['Min-Expires', String(decision.minExpires)]] : [];
        await this.refuse(request, sipId, decision.status, decision.reason, decision.reason, headers);
        return;
      }
      let sourceRecorded = false;
      if (!unchanged) {
        const expiresAt = latestExpiryFrom(source, decision.bindings);
        const result = await bindings.write(sipId, {
          nonceUse: pendingNonce,
          read: stored,
          next: decision.bindings,
          source: { from: source, expiresAt, keepMs: this.options.keepSourceMs },
        });
        if (result.kind === 'replay') return this.refuseAuth(request, nonceReplay(sipId));
        pendingNonce = undefined;
        if (result.kind === 'current') {
          this.options.metrics?.registrationRetries.inc();
          stored = this.remember(sipId, result.stored);
          confirmed = true;
          continue;
        }
        this.remember(sipId, result.stored);
        sourceRecorded = result.sourceRecorded;
      }
      this.count(unchanged ? 'queried' : decision.added.length + decision.refreshed.length > 0 ? 'registered' : 'unregistered');

      const expired = stored.bindings.filter((b) => b.expiresAt <= now);
      const base = { sipId, callId: request.callId, transport: source.transport, address: source.address, port: source.port };
      for (const b of decision.added) log.info({ event: 'registration.added', ...base, contact: b.uri, expires: remainingSeconds(b, now) }, 'binding added');
      // A refresh is routine (every few minutes per phone): debug, so a busy registrar does not spend its CPU logging it.
      for (const b of decision.refreshed)
        log.debug({ event: 'registration.refreshed', ...base, contact: b.uri, expires: remainingSeconds(b, now) }, 'binding refreshed');
      for (const b of decision.removed) log.info({ event: 'registration.removed', ...base, contact: b.uri }, 'binding removed');
      if (!unchanged) {
        for (const b of expired) log.info({ event: 'registration.expired', sipId, contact: b.uri, address: b.source.address }, 'binding expired');
      }
      // Only the writer that won the compare-and-set gets here: each change is reported once.
      if (!unchanged) for (const change of lineStateChanges(stored.bindings, decision.bindings, now)) this.options.onLineState?.(sipId, change);
      request.respond(200, undefined, this.okHeaders(message.headers.getList('supported'), decision.bindings, now, message.headers.getAll('path')));
      // On a cluster the source is in another slot than the bindings: written after the answer.
      if (!unchanged && !sourceRecorded) await this.options.recordBindingSource(source, sipId, latestExpiryFrom(source, decision.bindings));
      return;
    }
    this.known.delete(sipId);
    log.error({ event: 'registration.conflict', sipId, callId: request.callId }, 'bindings kept changing under this REGISTER');
    this.count('error');
    request.respond(500, undefined, [['Retry-After', '1']]);
  }

  /** 200 OK: every current contact with its remaining time (§10.3 step 8), Date, and Path when the UA supports it. */
  private okHeaders(supported: string[], current: Binding[], now: number, path: string[]): HeaderList {
    const headers: HeaderList = current.map((b) => {
      let value = `<${b.uri}>;expires=${remainingSeconds(b, now)}`;
      if (b.q !== undefined) value += `;q=${b.q}`;
      if (b.instance) value += `;+sip.instance="${b.instance}"`;
      if (b.regId) value += `;reg-id=${b.regId}`;
      return ['Contact', value];
    });
    headers.push(['Date', new Date(now).toUTCString()]);
    if (path.length > 0 && supported.some((s) => s.toLowerCase() === 'path')) {
      for (const value of path) headers.push(['Path', value]);
    }
    return headers;
  }

  private async refuseAuth(request: IncomingRequest, outcome: Exclude<AuthOutcome<LineRecord>, { kind: 'authenticated' | 'verified' }>): Promise<void> {
    const { auth, failures } = this.options;
    this.count(outcome.kind === 'challenge' && !outcome.failure ? 'challenged' : 'auth_failed');
    switch (outcome.kind) {
      case 'bad-request':
        return failures.refuse(request, { reason: 'malformed credentials', why: outcome.why }, () =>
          request.respond(400, 'Bad Request', [['Warning', `399 softswitch "${outcome.why}"`]]),
        );
      case 'forbidden':
        return failures.refuse(request, { reason: outcome.failure, sipId: outcome.username }, () => request.respond(403, 'Forbidden'));
      case 'challenge': {
        // A failure (a bad or replayed nonce, an algorithm not offered) keeps its answer: a copy of the request is not counted twice.
        if (outcome.failure) {
          const headers = auth.challengeHeaders('www', outcome.stale);
          return failures.refuse(request, { reason: outcome.failure, sipId: outcome.username }, () => request.respond(401, 'Unauthorized', headers));
        }
        // A plain challenge is stateless (RFC 3261 §8.2.7): half of all REGISTER transactions are challenges; none is kept for 32 s.
        // Each copy of the request still gets the same answer, nonce included, as from a transaction that kept it: a client
        // that already answered the first copy's challenge sees a late copy's as the repeat it is, not as a new challenge.
        request.respondStatelessly(401, 'Unauthorized', auth.challengeHeaders('www', outcome.stale, requestIdentity(request.message)));
        return;
      }
    }
  }

  private async refuse(request: IncomingRequest, sipId: string, status: number, reason: string, why: string, headers: HeaderList = []): Promise<void> {
    const source = request.source;
    this.count('refused');
    this.options.log.warn(
      { event: 'registration.refused', sipId, status, why, address: source.address, port: source.port, transport: source.transport, callId: request.callId },
      'REGISTER refused',
    );
    await this.options.status.recordError(sipId, new Date(this.now()), `REGISTER refused: ${status} ${why}`);
    request.respond(status, reason, headers);
  }

  /**
   * A refusal before the binding write still checks the nonce-count first, so
   * replayed credentials get the replay's challenge, not a refusal that
   * would be logged and recorded against the line. True when answered.
   */
  private async replayed(request: IncomingRequest, nonceUse: NonceUse): Promise<boolean> {
    if (await this.options.auth.confirm(nonceUse)) return false;
    await this.refuseAuth(request, nonceReplay(nonceUse.username));
    return true;
  }

  private remember(sipId: string, stored: StoredBindings): StoredBindings {
    this.known.set(sipId, stored);
    return stored;
  }

  private count(outcome: RegistrationOutcome): void {
    this.options.metrics?.registrations.inc({ outcome });
  }

  private servesDomain(host: string): boolean {
    return namesHost(host, this.options.domains, true);
  }
}

/** When the last of the bindings registered from this exact endpoint ends; 0 when none is left. */
function latestExpiryFrom(from: Endpoint, bindings: readonly Binding[]): number {
  let latest = 0;
  for (const b of bindings) {
    if (b.source.port === from.port && b.source.address === from.address && b.source.transport === from.transport) {
      latest = Math.max(latest, b.expiresAt);
    }
  }
  return latest;
}

import type { AuthOutcome, DigestAuthenticator } from '../auth/authenticator.js';
import { parseUri, type NameAddr } from '../core/messages/index.js';
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
import type { BindingStore } from '../store/binding-store.js';
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
  /** Where a SIP-ID's bindings from one endpoint now end (0: none left), so a ban of that address spares it. */
  recordBindingSource(from: Endpoint, sipId: string, expiresAt: number): Promise<void>;
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

  constructor(private readonly options: RegistrarOptions) {
    this.now = options.now ?? Date.now;
  }

  readonly handle = async (request: IncomingRequest): Promise<void> => {
    const uri = request.message.requestUri();
    if (!uri || !this.servesDomain(uri.host)) {
      this.count('refused');
      request.respond(404, 'Domain Not Served Here');
      return;
    }
    const outcome = await this.options.auth.authenticate(request.message, 'www');
    if (outcome.kind !== 'authenticated') {
      await this.refuseAuth(request, outcome);
      return;
    }
    const sipId = outcome.username;
    const to = request.message.to();
    const toUser = to ? parseUri(to.uri)?.user : undefined;
    if (toUser !== sipId) {
      await this.refuse(request, sipId, 403, 'Forbidden', 'To does not name the authenticated SIP-ID');
      return;
    }
    // Parsed once per message and shared: hand the binding rules their own array.
    const parsed = request.message.contacts();
    const contacts = parsed === '*' || parsed === null ? parsed : parsed.slice();
    if (contacts === null) {
      await this.refuse(request, sipId, 400, 'Bad Contact', 'malformed Contact header');
      return;
    }
    await this.updateBindings(request, sipId, contacts);
  };

  private async updateBindings(request: IncomingRequest, sipId: string, contacts: '*' | NameAddr[]): Promise<void> {
    const { bindings, limits, log, nodeId } = this.options;
    const message = request.message;
    const source = request.source;
    const cseq = Number.parseInt(message.headers.get('cseq') ?? '0', 10);
    for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
      const now = this.now();
      const stored = await bindings.load(sipId);
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
      if (!decision.ok) {
        const headers: HeaderList = decision.minExpires ? [['Min-Expires', String(decision.minExpires)]] : [];
        await this.refuse(request, sipId, decision.status, decision.reason, decision.reason, headers);
        return;
      }
      const unchanged = contacts !== '*' && contacts.length === 0;
      if (!unchanged && !(await bindings.replace(sipId, stored, decision.bindings))) continue;
      this.count(unchanged ? 'queried' : decision.added.length + decision.refreshed.length > 0 ? 'registered' : 'unregistered');

      const expired = stored.bindings.filter((b) => b.expiresAt <= now);
      const base = { sipId, callId: request.callId, transport: source.transport, address: source.address, port: source.port };
      for (const b of decision.added) log.info({ event: 'registration.added', ...base, contact: b.uri, expires: remainingSeconds(b, now) }, 'binding added');
      for (const b of decision.refreshed)
        log.info({ event: 'registration.refreshed', ...base, contact: b.uri, expires: remainingSeconds(b, now) }, 'binding refreshed');
      for (const b of decision.removed) log.info({ event: 'registration.removed', ...base, contact: b.uri }, 'binding removed');
      if (!unchanged) {
        for (const b of expired) log.info({ event: 'registration.expired', sipId, contact: b.uri, address: b.source.address }, 'binding expired');
      }
      // Only the writer that won the compare-and-set gets here: each change is reported once.
      if (!unchanged) for (const change of lineStateChanges(stored.bindings, decision.bindings, now)) this.options.onLineState?.(sipId, change);
      request.respond(200, undefined, this.okHeaders(message.headers.getList('supported'), decision.bindings, now, message.headers.getAll('path')));
      if (!unchanged) await this.options.recordBindingSource(source, sipId, latestExpiryFrom(source, decision.bindings));
      return;
    }
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

  private async refuseAuth(request: IncomingRequest, outcome: Exclude<AuthOutcome<LineRecord>, { kind: 'authenticated' }>): Promise<void> {
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
        const answer = () => request.respond(401, 'Unauthorized', auth.challengeHeaders('www', outcome.stale));
        if (outcome.failure) return failures.refuse(request, { reason: outcome.failure, sipId: outcome.username }, answer);
        answer();
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

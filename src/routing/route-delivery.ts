import type { SipRequest, SipResponse } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { LocatedHop } from '../core/locate/locate.js';
import type { OutboundRoute } from '../features/settings.js';
import { betterOf, type ProxyCore, type RelayOutcome } from '../proxy/proxy-core.js';
import type { RouteStore } from '../store/route-store.js';
import type { CallRecorder } from './call-recorder.js';
import type { DecisionLog } from './decision-log.js';
import { failoverReason } from './failover.js';
import { outboundRoutesInOrder } from './route-order.js';
import { hopDestination, hopLabel, targetUri, type Located, type RouteLocator } from './route-locator.js';
import { cancelled, type RouteEnd } from './route-end.js';
import { chooseEmergencyRoute } from './targets.js';

export const NO_EMERGENCY_SERVICE_REASON = 'No emergency service in the area of this number';

/** At most this many targets (route × DNS answer) per call: a call does not walk a whole zone. */
export const MAX_ROUTE_ATTEMPTS = 10;

/** The last target may be slow to send even 100: Timer B (64 × T1) decides there. */
const LAST_TARGET_TIMEOUT_MS = 32_000;

export interface RouteDeliveryDeps {
  proxy: Pick<ProxyCore, 'relay'>;
  routes: Pick<RouteStore, 'outboundRoutes' | 'emergencyRoutes' | 'voicemailRoute'>;
  /** Names of these routes whose target monitoring marks down; absent when monitoring is off (every route is used). */
  downRoutes?(routes: readonly OutboundRoute[]): Promise<ReadonlySet<string>>;
  decisions: DecisionLog;
  records?: Pick<CallRecorder, 'offering'>;
  locator: Pick<RouteLocator, 'hops'>;
  /** routing.failoverTimeout: a target that sends nothing back (not even 100) this long is left for the next one, ms. */
  failoverTimeoutMs: number;
  random?: () => number;
}

/** Identity headers and Diversion for a carrier or platform of ours (the call delivery's rules). */
export type PrepareForPeer = (request: SipRequest) => void;

/** One place a call may go: a route and one of its target's DNS answers. */
interface Attempt {
  route: Located;
  hop: LocatedHop;
}

type Stage = 'outbound-route' | 'emergency-route' | 'voicemail-route';

/**
 * Calls that leave through a route: outbound routes by prefix, the emergency
 * route of the caller's area, the voice-mail platform (docs/product.md §4.4,
 * §5; docs/routing.md). Each route's target is located by RFC 3263, and the
 * call moves on to the next target (the next DNS answer, then the next
 * route) on no answer, 503 or 408, never once it is ringing.
 */
export class RouteDelivery {
  constructor(private readonly deps: RouteDeliveryDeps) {}

  /**
   * Out through the routes matching the number (longest prefix first, down
   * ones skipped), or the emergency route of the caller's area: an area no
   * route serves has no emergency service (403).
   */
  async outbound(incoming: IncomingRequest, number: string, emergency: boolean, callerNumber: string | undefined, prepare: PrepareForPeer): Promise<RouteEnd> {
    const callId = incoming.callId;
    if (emergency) {
      // The emergency route is always tried: no state of ours refuses an emergency call (docs/product.md §5).
      const route = chooseEmergencyRoute(await this.deps.routes.emergencyRoutes(), callerNumber ?? '');
      if (!route) {
        this.deps.decisions.record(callId, { stage: 'emergency-route', outcome: 'reject', number });
        return { kind: 'reject', status: 403, reason: NO_EMERGENCY_SERVICE_REASON };
      }
      const end = await this.tryRoutes(incoming, [route], number, 'emergency-route', prepare);
      return end ?? { kind: 'reject', status: 503, reason: 'Route Unreachable' };
    }
    const { routes, down } = await this.liveRoutes(callId, number);
    if (routes.length === 0) {
      this.deps.decisions.record(callId, { stage: 'outbound-route', outcome: 'reject', number });
      return down > 0 ? { kind: 'reject', status: 503, reason: 'Route Down' } : { kind: 'reject', status: 404, reason: 'Not Found' };
    }
    return (await this.tryRoutes(incoming, routes, number, 'outbound-route', prepare)) ?? { kind: 'reject', status: 503, reason: 'Route Unreachable' };
  }

  /** The voice-mail platform: the Request-URI names the mailbox. None provisioned (or none reachable): 480. */
  async voicemail(incoming: IncomingRequest, mailbox: string, prepare: PrepareForPeer): Promise<RouteEnd> {
    const route = await this.deps.routes.voicemailRoute();
    const unavailable: RouteEnd = { kind: 'reject', status: 480, reason: 'Voice Mail Unavailable' };
    if (!route) {
      this.deps.decisions.record(incoming.callId, { stage: 'voicemail-route', outcome: 'reject', number: mailbox });
      return unavailable;
    }
    return (await this.tryRoutes(incoming, [route], mailbox, 'voicemail-route', prepare)) ?? unavailable;
  }

  /** The matching routes in the order to try, without those monitoring marks down (each skip logged). */
  private async liveRoutes(callId: string, number: string): Promise<{ routes: OutboundRoute[]; down: number }> {
    const ordered = outboundRoutesInOrder(await this.deps.routes.outboundRoutes(), number, this.deps.random);
    const down = this.deps.downRoutes && ordered.length > 0 ? await this.deps.downRoutes(ordered) : new Set<string>();
    for (const route of ordered) {
      if (down.has(route.name))
        this.deps.decisions.record(callId, { stage: 'outbound-route', outcome: 'skipped', target: route.name, reason: 'target down', number });
    }
    return { routes: ordered.filter((r) => !down.has(r.name)), down: down.size };
  }

  /** Every route's targets in turn until one takes the call or gives an answer that stands; undefined when none could be tried. */
  private async tryRoutes(
    incoming: IncomingRequest,
    routes: readonly Located[],
    number: string,
    stage: Stage,
    prepare: PrepareForPeer,
  ): Promise<RouteEnd | undefined> {
    const callId = incoming.callId;
    const attempts = await this.attempts(callId, routes, number, stage);
    if (attempts.length === 0) return undefined;
    let best: SipResponse | undefined;
    let last: RelayOutcome | undefined;
    let previous: string | undefined;
    for (const [i, { route, hop }] of attempts.entries()) {
      if (route.name !== previous) {
        this.deps.decisions.record(callId, { stage, outcome: 'route', target: route.name, number, hop: hopLabel(hop) });
        this.deps.records?.offering(callId, { kind: stage === 'emergency-route' ? 'emergency-route' : 'route', name: route.name, number });
        previous = route.name;
      }
      let progressed = false;
      const outcome = await this.deps.proxy.relay(
        incoming,
        [{ uri: targetUri(number, route, hop), destination: hopDestination(hop), label: `route ${route.name}` }],
        {
          noResponseTimeoutMs: i === attempts.length - 1 ? LAST_TARGET_TIMEOUT_MS : this.deps.failoverTimeoutMs,
          onProvisional: (status) => {
            if (status > 100) progressed = true;
          },
          prepare,
        },
      );
      if (outcome.kind === 'answered') return { kind: 'answered' };
      if (outcome.kind === 'cancelled') return cancelled(outcome);
      last = outcome;
      if (outcome.response) best = betterOf(best, outcome.response);
      const why = failoverReason(outcome, progressed);
      if (why === undefined) break;
      if (i < attempts.length - 1)
        this.deps.decisions.record(callId, { stage, outcome: 'failover', target: route.name, reason: why, number, hop: hopLabel(hop) });
    }
    const silent = last?.kind === 'failed' && last.silent && !best;
    const generated = silent ? { status: 408, reason: 'Request Timeout' } : { status: 480, reason: 'Temporarily Unavailable' };
    const response = last?.kind === 'failed' && last.response && failoverReason(last, false) === undefined ? last.response : best;
    return { kind: 'reject', ...generated, ...(response ? { response } : {}) };
  }

  /** The targets of each route in order (RFC 3263), at most MAX_ROUTE_ATTEMPTS; a route whose target locates nothing is logged and skipped. */
  private async attempts(callId: string, routes: readonly Located[], number: string, stage: Stage): Promise<Attempt[]> {
    const out: Attempt[] = [];
    for (const route of routes) {
      if (out.length >= MAX_ROUTE_ATTEMPTS) break;
      const hops = await this.deps.locator.hops(route);
      if (hops.length === 0) {
        this.deps.decisions.record(callId, { stage, outcome: 'skipped', target: route.name, reason: 'target does not resolve', number });
        continue;
      }
      for (const hop of hops.slice(0, MAX_ROUTE_ATTEMPTS - out.length)) out.push({ route, hop });
    }
    return out;
  }
}

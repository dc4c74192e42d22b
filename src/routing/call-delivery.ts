import type { SipRequest, SipResponse } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { CallContext } from '../features/call-context.js';
import type { FeatureStore } from '../features/feature-store.js';
import { diversionReason, forwardTarget, ringTimeout, type ForwardTrigger } from '../features/forwarding.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import type { Log } from '../log.js';
import type { ProxyCore, RelayOutcome } from '../proxy/proxy-core.js';
import type { BindingStore } from '../registrar/binding-store.js';
import { lineOfNumber, type LineRecord, type LineStore } from '../store/line-store.js';
import type { Redis } from '../store/redis.js';
import type { CallChannels } from './call-channels.js';
import { classifyFailure, failureStatus, type OfferFailure } from './failure.js';
import { addDiversion, assertCallerIdentity, relayPeerIdentity } from './identity-headers.js';
import type { RouteStore } from './route-store.js';
import { chooseOutboundRoute, lineTargets, routeTarget } from './targets.js';

/** How the caller is presented on every leg of a call. */
export interface Presentation {
  /** Our line calling: the number we assert and whether it is withheld. */
  asserted?: { number: string; withhold: boolean };
}

/** Where routing ended: answered (already relayed), or the final answer to send. */
export type RouteEnd =
  | { kind: 'answered' }
  | { kind: 'cancelled'; response?: SipResponse }
  /** `response`: what a line or peer answered, relayed as the final answer (RFC 3261 §16.7); else we answer `status`. */
  | { kind: 'reject'; status: number; reason: string; headers?: Array<[string, string]>; response?: SipResponse };

export interface CallDeliveryDeps {
  proxy: ProxyCore;
  pipeline: FeaturePipeline;
  redis: Redis;
  lines: LineStore;
  bindings: BindingStore;
  features: FeatureStore;
  routes: RouteStore;
  channels: CallChannels;
  domain: string;
  timeZone: string;
  nodeId: string;
  log: Log;
  now: () => number;
}

/**
 * The terminating half of a call: the feature pipeline, then the offer to a
 * line, a hunt group or an outbound route, and forwarding when the offer
 * fails. Called again for every forward, with the grown chain.
 */
export class CallDelivery {
  constructor(private readonly deps: CallDeliveryDeps) {}

  async route(incoming: IncomingRequest, call: CallContext, presentation: Presentation): Promise<RouteEnd> {
    const result = await this.deps.pipeline.run(call);
    if (result.kind === 'reject') return { kind: 'reject', status: result.status, reason: result.reason, ...(result.headers ? { headers: result.headers } : {}) };
    if (result.kind === 'retarget') {
      if (result.why === 'hunt') return this.hunt(incoming, call, result.targets, presentation);
      return this.forwardTo(incoming, call, result.targets[0]!, 'unconditional', presentation);
    }
    if (!call.calledIsOurs) return this.outbound(incoming, call.calledNumber, presentation, false, call);
    return this.deliver(incoming, call, presentation);
  }

  /** Out through the longest-prefix route, or the emergency route. */
  async outbound(incoming: IncomingRequest, number: string, presentation: Presentation, emergency: boolean, call?: CallContext): Promise<RouteEnd> {
    const route = emergency ? await this.deps.routes.emergencyRoute() : chooseOutboundRoute(await this.deps.routes.outboundRoutes(), number);
    const target = route ? routeTarget(route, number) : undefined;
    this.deps.log.info({ event: 'call.decision', callId: incoming.callId, stage: emergency ? 'emergency-route' : 'outbound-route', outcome: target ? 'route' : 'reject', target: route?.name, number }, 'outbound routing');
    if (!target) return emergency ? { kind: 'reject', status: 503, reason: 'No Emergency Route' } : { kind: 'reject', status: 404, reason: 'Not Found' };
    const outcome = await this.deps.proxy.relay(incoming, [target], {
      noResponseTimeoutMs: 32_000, // a carrier may be slow to send even 100; Timer B decides
      prepare: (request) => {
        this.prepareIdentity(request, presentation, true);
        if (call) addDiversion(request, call.forwards, this.deps.domain);
      },
    });
    if (outcome.kind === 'answered') return { kind: 'answered' };
    if (outcome.kind === 'cancelled') return cancelled(outcome);
    const generated = outcome.silent ? { status: 408, reason: 'Request Timeout' } : { status: 480, reason: 'Temporarily Unavailable' };
    return { kind: 'reject', ...generated, ...(outcome.response ? { response: outcome.response } : {}) };
  }

  /** Offer the call to the called number's line; on failure, forwarding decides. */
  private async deliver(incoming: IncomingRequest, call: CallContext, presentation: Presentation): Promise<RouteEnd> {
    const features = call.calledFeatures!;
    const line = await lineOfNumber(this.deps.redis, this.deps.lines, call.calledNumber);
    const bulk = await this.deps.features.bulkGroupOf(call.calledNumber);
    const ctx = { now: call.now, timeZone: this.deps.timeZone, bulk };
    const offer = line
      ? await this.offerToLine(incoming, call, line, presentation, ringTimeout(features, ctx, call))
      : { failure: 'unreachable' as const };
    if ('end' in offer) return offer.end;
    const { failure } = offer;
    if (failure !== 'rejected') {
      const decision = forwardTarget(features, failure, call, ctx);
      this.decision(call, 'forwarding', decision.kind === 'forward' ? 'retarget' : decision.kind, failure,
        decision.kind === 'forward' ? decision.to : undefined, decision.kind === 'refused' ? decision.why : undefined);
      if (decision.kind === 'forward') return this.forwardTo(incoming, call, decision.to, failure, presentation);
    }
    // The line's own answer goes back, except the 487 to our no-answer CANCEL, which the caller never asked for.
    const response = 'relay' in offer && failure !== 'no-answer' ? relayedResponse(offer.relay) : undefined;
    return { kind: 'reject', ...failureStatus(failure), ...(response ? { response } : {}) };
  }

  /** One line: take a channel, offer to its contacts, and say how it ended. */
  private async offerToLine(
    incoming: IncomingRequest, call: CallContext, line: LineRecord, presentation: Presentation, ringTimeoutMs?: number,
  ): Promise<{ end: RouteEnd } | { failure: OfferFailure; relay?: RelayOutcome }> {
    const { channels, bindings, proxy, nodeId, log } = this.deps;
    if (!(await channels.take(call.callId, line.sipId, line.channels, 'in'))) {
      log.info({ event: 'call.busy', callId: call.callId, sipId: line.sipId, number: call.calledNumber, why: 'all channels in use' }, 'line busy');
      return { failure: 'busy' };
    }
    const live = line.auth === 'digest' ? await bindings.live(line.sipId, this.deps.now()) : [];
    const targets = lineTargets(line, call.calledNumber, live, nodeId);
    if (targets.length === 0) {
      await channels.give(call.callId, line.sipId, 'in');
      log.info({ event: 'call.unreachable', callId: call.callId, sipId: line.sipId, number: call.calledNumber, why: 'not registered' }, 'line not registered');
      return { failure: 'unreachable' };
    }
    const outcome = await proxy.relay(incoming, targets, {
      ...(ringTimeoutMs !== undefined ? { ringTimeoutMs } : {}),
      prepare: (request, target) => {
        this.prepareIdentity(request, presentation, false);
        addDiversion(request, call.forwards, this.deps.domain);
        log.info({ event: 'call.offer', callId: call.callId, sipId: line.sipId, number: call.calledNumber, target: target.label }, 'offering call');
      },
    });
    if (outcome.kind === 'answered') return { end: { kind: 'answered' } };
    await channels.give(call.callId, line.sipId, 'in');
    if (outcome.kind === 'cancelled') return { end: cancelled(outcome) };
    return { failure: classifyFailure(outcome), relay: outcome };
  }

  private async forwardTo(incoming: IncomingRequest, call: CallContext, to: string, trigger: ForwardTrigger, presentation: Presentation): Promise<RouteEnd> {
    const calledFeatures = await this.deps.features.get(to);
    const reason = diversionReason(trigger);
    const { calledFeatures: _previous, callerFeatures: _caller, ...rest } = call;
    const next: CallContext = {
      ...rest,
      calledNumber: to,
      ...(calledFeatures ? { calledFeatures } : {}),
      calledIsOurs: calledFeatures !== null,
      forwards: [...call.forwards, { from: call.calledNumber, to, reason }],
      // callerFeatures dropped: the forwarded leg is the forwarding number's business (its bar was checked).
    };
    this.deps.log.info({ event: 'call.forwarded', callId: call.callId, from: call.calledNumber, to, reason, hop: next.forwards.length }, 'call forwarded');
    return this.route(incoming, next, presentation);
  }

  /** Hunt group: members in order, skipping busy and unreachable ones; 486 only when every member is busy. */
  private async hunt(incoming: IncomingRequest, call: CallContext, members: string[], presentation: Presentation): Promise<RouteEnd> {
    let busy = 0;
    let lastRelay: RelayOutcome | undefined;
    for (const member of members) {
      const line = await lineOfNumber(this.deps.redis, this.deps.lines, member);
      if (!line) continue;
      const offer = await this.offerToLine(incoming, { ...call, calledNumber: member }, line, presentation);
      if ('end' in offer) return offer.end;
      this.decision(call, 'hunt-group', 'skip', offer.failure, member);
      if (offer.failure === 'busy') busy++;
      if (offer.relay) lastRelay = offer.relay;
    }
    if (busy > 0 && busy === members.length) return { kind: 'reject', status: 486, reason: 'Busy Here' };
    const response = lastRelay ? relayedResponse(lastRelay) : undefined;
    return { kind: 'reject', status: 480, reason: 'Temporarily Unavailable', ...(response && response.status === 480 ? { response } : {}) };
  }

  /** Before our own Diversion is added: a line's call carries only what we assert, a peer's what RFC 3325 lets through. */
  private prepareIdentity(request: SipRequest, presentation: Presentation, trustedNextHop: boolean): void {
    // Credentials for our realm end here (RFC 3261 §22.3).
    request.headers.remove('proxy-authorization');
    if (presentation.asserted) {
      assertCallerIdentity(request, { ...presentation.asserted, domain: this.deps.domain, trustedNextHop });
    } else {
      relayPeerIdentity(request, trustedNextHop);
    }
  }

  private decision(call: CallContext, stage: string, outcome: string, reason?: string, target?: string, why?: string): void {
    this.deps.log.info({ event: 'call.decision', callId: call.callId, stage, outcome, reason, target, why }, `${stage}: ${outcome}`);
  }
}

function relayedResponse(outcome: RelayOutcome | undefined): SipResponse | undefined {
  return outcome && outcome.kind !== 'answered' ? outcome.response : undefined;
}

function cancelled(outcome: RelayOutcome): RouteEnd {
  const response = relayedResponse(outcome);
  return { kind: 'cancelled', ...(response ? { response } : {}) };
}

import { parseUri, type SipRequest } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { CallContext } from '../features/call-context.js';
import { identifyCaller, privacyTokens } from '../features/caller-identity.js';
import type { FeatureStore } from '../features/feature-store.js';
import { forwardTarget, ringTimeout, type ForwardTrigger } from '../features/forwarding.js';
import { callingNumber, originate } from '../features/origination.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import { defaultFeatures, type NumberFeatures } from '../features/settings.js';
import type { Log } from '../log.js';
import { classifyDialled } from '../numbers/dialled.js';
import { normalizeNumber } from '../numbers/national.js';
import type { ProxyCore, RelayOutcome, RelayTarget } from '../proxy/proxy-core.js';
import type { BindingStore } from '../registrar/binding-store.js';
import { lineOfNumber, type LineRecord, type LineStore } from '../store/line-store.js';
import type { Redis } from '../store/redis.js';
import type { CallChannels } from './call-channels.js';
import { admitCaller, type Caller, type CallerSources } from './caller.js';
import { classifyFailure, failureStatus, type OfferFailure } from './failure.js';
import { addDiversion, assertCallerIdentity, stripAssertedIdentityIfPrivate } from './identity-headers.js';
import type { RouteStore } from './route-store.js';
import { chooseOutboundRoute, lineTargets, routeTarget } from './targets.js';

export interface CallRouterDeps {
  proxy: ProxyCore;
  pipeline: FeaturePipeline;
  redis: Redis;
  lines: LineStore;
  bindings: BindingStore;
  features: FeatureStore;
  routes: RouteStore;
  channels: CallChannels;
  callerSources: CallerSources;
  domain: string;
  timeZone: string;
  nodeId: string;
  log: Log;
  now?: () => number;
}

/** How the caller is presented on every leg of this call. */
interface Presentation {
  /** Our line calling: the number we assert and whether it is withheld. */
  asserted?: { number: string; withhold: boolean };
}

/** Where routing ended: answered (already relayed), or the final answer to send. */
type RouteEnd =
  | { kind: 'answered' }
  | { kind: 'cancelled'; outcome: RelayOutcome }
  | { kind: 'reject'; status: number; reason: string; headers?: Array<[string, string]>; relay?: RelayOutcome };

/**
 * Call routing for initial INVITEs, as the call flow reads: admit the caller,
 * apply originating rules, run the feature pipeline, offer the call (to a
 * line, a hunt group, or out through a route), and apply forwarding on
 * busy / no answer / unreachable.
 */
export class CallRouter {
  private readonly now: () => number;

  constructor(private readonly deps: CallRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  readonly handleInvite = async (incoming: IncomingRequest): Promise<void> => {
    const { log, proxy } = this.deps;
    const started = this.now();
    const callId = incoming.callId;
    const refusal = proxy.checkForwardable(incoming);
    if (refusal) return this.finish(incoming, started, { kind: 'reject', status: refusal.status, reason: '' });

    const admission = await admitCaller(incoming, this.deps.callerSources);
    if (!admission.ok) {
      incoming.respond(admission.status, admission.reason, admission.headers);
      return;
    }
    const caller = admission.caller;
    log.info({
      event: 'call.attempt', callId, caller: callerLabel(caller), from: incoming.message.headers.get('from'),
      to: incoming.message.uri, address: incoming.source.address, port: incoming.source.port,
    }, 'call attempt');

    let end: RouteEnd;
    try {
      end = await this.routeNewCall(incoming, caller);
    } catch (err) {
      await this.deps.channels.end(callId).catch(() => undefined);
      throw err;
    }
    this.finish(incoming, started, end);
  };

  /** Requests inside a dialog go by Route; a BYE gives the call's channels back. */
  readonly handleInDialog = async (incoming: IncomingRequest): Promise<void> => {
    const outcome = await this.deps.proxy.forwardInDialog(incoming);
    if (incoming.method === 'BYE' && this.deps.channels.has(incoming.callId)) {
      await this.deps.channels.end(incoming.callId);
      this.deps.log.info({ event: 'call.ended', callId: incoming.callId, by: incoming.source.address }, 'call ended by BYE');
    }
    if (outcome.kind === 'failed' && !incoming.answered) {
      incoming.send(outcome.response ?? incoming.createResponse(outcome.silent ? 408 : 404));
    }
  };

  private async routeNewCall(incoming: IncomingRequest, caller: Caller): Promise<RouteEnd> {
    const message = incoming.message;
    const dialledUser = requestUser(message);
    const nowDate = new Date(this.now());

    if (caller.kind === 'peer') {
      // Terminating call from an interconnect: only our numbers are reachable, nothing transits.
      const dialled = classifyDialled(dialledUser ?? '');
      if (dialled.kind !== 'national') return { kind: 'reject', status: 404, reason: 'Not Found' };
      const calledFeatures = await this.deps.features.get(dialled.number);
      if (!calledFeatures) return { kind: 'reject', status: 404, reason: 'Not Found' };
      const who = identifyCaller({ from: message.headers.get('from') ?? '', privacy: privacyTokens(message.headers.getAll('privacy')), ...assertedIdentity(message) });
      const call: CallContext = {
        callId: incoming.callId, callerIdentity: who.identity, ...(who.number ? { callerNumber: who.number } : {}),
        calledNumber: dialled.number, calledFeatures, calledIsOurs: true, forwards: [], now: nowDate,
      };
      return this.route(incoming, call, {});
    }

    // Originating call from one of our lines.
    const line = caller.line;
    const fromNumber = fromHeaderNumber(message);
    const number = callingNumber(line, fromNumber);
    const [features, basicFeatures, huntGroup] = await Promise.all([
      this.featuresOf(number), this.featuresOf(line.basicNumber), this.deps.features.huntGroupOf(number),
    ]);
    const origin = originate({ dialledUserPart: dialledUser ?? '', line, ...(fromNumber ? { fromNumber } : {}), features, basicFeatures, huntGroup });
    this.deps.log.info({ event: 'call.decision', callId: incoming.callId, stage: 'origination', outcome: origin.ok ? 'continue' : 'reject', reason: origin.ok ? undefined : origin.reason, presented: origin.ok ? origin.presentedNumber : undefined, withhold: origin.ok ? origin.withhold : undefined }, 'origination');
    if (!origin.ok) return { kind: 'reject', status: origin.status, reason: origin.reason };
    if (!(await this.deps.channels.take(incoming.callId, line.sipId, line.channels, 'out'))) {
      return { kind: 'reject', status: 486, reason: 'Busy Here' };
    }
    const presentation: Presentation = { asserted: { number: origin.presentedNumber, withhold: origin.withhold } };
    const dialled = origin.dialled;
    if (dialled.kind === 'emergency') return this.outbound(incoming, dialled.number, presentation, true);
    if (dialled.kind !== 'national' && dialled.kind !== 'international') return { kind: 'reject', status: 404, reason: 'Not Found' };

    const calledFeatures = dialled.kind === 'national' ? await this.deps.features.get(dialled.number) : null;
    const call: CallContext = {
      callId: incoming.callId,
      callerNumber: number,
      callerIdentity: origin.withhold ? 'withheld' : 'presented',
      callerFeatures: features,
      calledNumber: dialled.number,
      ...(calledFeatures ? { calledFeatures } : {}),
      calledIsOurs: calledFeatures !== null,
      forwards: [],
      now: nowDate,
    };
    return this.route(incoming, call, presentation);
  }

  /** The pipeline, then the offer; called again for each forward. */
  private async route(incoming: IncomingRequest, call: CallContext, presentation: Presentation): Promise<RouteEnd> {
    const result = await this.deps.pipeline.run(call);
    if (result.kind === 'reject') return { kind: 'reject', status: result.status, reason: result.reason, ...(result.headers ? { headers: result.headers } : {}) };
    if (result.kind === 'retarget') {
      if (result.why === 'hunt') return this.hunt(incoming, call, result.targets, presentation);
      return this.forwardTo(incoming, call, result.targets[0]!, 'unconditional', presentation);
    }
    if (!call.calledIsOurs) return this.outbound(incoming, call.calledNumber, presentation, false, call);
    return this.deliver(incoming, call, presentation);
  }

  /** Offer the call to the called number's line; on failure, forwarding decides. */
  private async deliver(incoming: IncomingRequest, call: CallContext, presentation: Presentation): Promise<RouteEnd> {
    const features = call.calledFeatures!;
    const line = await lineOfNumber(this.deps.redis, this.deps.lines, call.calledNumber);
    const bulk = await this.deps.features.bulkGroupOf(call.calledNumber);
    const ctx = { now: call.now, timeZone: this.deps.timeZone, bulk };
    const offer = line ? await this.offerToLine(incoming, call, line, presentation, ringTimeout(features, ctx, call)) : { failure: 'unreachable' as const };
    if ('end' in offer) return offer.end;
    const failure = offer.failure;
    if (failure !== 'rejected') {
      const decision = forwardTarget(features, failure, call, ctx);
      this.decision(call, 'forwarding', decision.kind === 'forward' ? 'retarget' : decision.kind === 'refused' ? 'refused' : 'none', failure, decision.kind === 'forward' ? decision.to : undefined, decision.kind === 'refused' ? decision.why : undefined);
      if (decision.kind === 'forward') return this.forwardTo(incoming, call, decision.to, failure, presentation);
    }
    return { kind: 'reject', ...failureStatus(failure), ...('relay' in offer && offer.relay ? { relay: offer.relay } : {}) };
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
    const targets = lineTargets(line, call.calledNumber, line.auth === 'digest' ? await bindings.live(line.sipId, this.now()) : [], nodeId);
    if (targets.length === 0) {
      await channels.give(call.callId, line.sipId);
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
    await channels.give(call.callId, line.sipId);
    if (outcome.kind === 'cancelled') return { end: { kind: 'cancelled', outcome } };
    return { failure: classifyFailure(outcome), relay: outcome };
  }

  private async forwardTo(incoming: IncomingRequest, call: CallContext, to: string, trigger: ForwardTrigger, presentation: Presentation): Promise<RouteEnd> {
    const calledFeatures = await this.deps.features.get(to);
    const reason = { unconditional: 'unconditional', busy: 'user-busy', 'no-answer': 'no-answer', unreachable: 'unavailable' } as const;
    const next: CallContext = {
      ...call,
      calledNumber: to,
      calledIsOurs: calledFeatures !== null,
      forwards: [...call.forwards, { from: call.calledNumber, to, reason: reason[trigger] }],
      // The forwarded leg is the forwarding number's business; the original caller's bar was checked already.
      callerFeatures: undefined,
    };
    if (calledFeatures) next.calledFeatures = calledFeatures;
    else delete next.calledFeatures;
    this.deps.log.info({ event: 'call.forwarded', callId: call.callId, from: call.calledNumber, to, reason: reason[trigger], hop: next.forwards.length }, 'call forwarded');
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
    return busy > 0 && busy === members.length
      ? { kind: 'reject', status: 486, reason: 'Busy Here' }
      : { kind: 'reject', status: 480, reason: 'Temporarily Unavailable', ...(lastRelay ? { relay: lastRelay } : {}) };
  }

  /** Out through the longest-prefix route (or the emergency route). */
  private async outbound(incoming: IncomingRequest, number: string, presentation: Presentation, emergency: boolean, call?: CallContext): Promise<RouteEnd> {
    const route = emergency ? await this.deps.routes.emergencyRoute() : chooseOutboundRoute(await this.deps.routes.outboundRoutes(), number);
    const target = route ? routeTarget(route, number) : undefined;
    this.deps.log.info({ event: 'call.decision', callId: incoming.callId, stage: emergency ? 'emergency-route' : 'outbound-route', outcome: target ? 'route' : 'reject', target: route?.name, number }, 'outbound routing');
    if (!target) return emergency ? { kind: 'reject', status: 503, reason: 'No Emergency Route' } : { kind: 'reject', status: 404, reason: 'Not Found' };
    const outcome = await this.deps.proxy.relay(incoming, [target], {
      noResponseTimeoutMs: 32_000,
      prepare: (request) => {
        this.prepareIdentity(request, presentation, true);
        if (call) addDiversion(request, call.forwards, this.deps.domain);
      },
    });
    if (outcome.kind === 'answered') return { kind: 'answered' };
    if (outcome.kind === 'cancelled') return { kind: 'cancelled', outcome };
    return { kind: 'reject', status: outcome.silent ? 408 : 480, reason: outcome.silent ? 'Request Timeout' : 'Temporarily Unavailable', relay: outcome };
  }

  private prepareIdentity(request: SipRequest, presentation: Presentation, trustedNextHop: boolean): void {
    // Credentials for our realm end here (RFC 3261 §22.3).
    request.headers.remove('proxy-authorization');
    if (presentation.asserted) {
      assertCallerIdentity(request, { ...presentation.asserted, domain: this.deps.domain, trustedNextHop });
    } else if (!trustedNextHop) {
      stripAssertedIdentityIfPrivate(request);
    }
  }

  private async featuresOf(number: string): Promise<NumberFeatures> {
    return (await this.deps.features.get(number)) ?? defaultFeatures(number);
  }

  private decision(call: CallContext, stage: string, outcome: string, reason?: string, target?: string, why?: string): void {
    this.deps.log.info({ event: 'call.decision', callId: call.callId, stage, outcome, reason, target, why }, `${stage}: ${outcome}`);
  }

  /** Sends the final answer upstream (unless a 2xx already went) and logs the outcome. */
  private finish(incoming: IncomingRequest, started: number, end: RouteEnd): void {
    const callId = incoming.callId;
    let status: number;
    if (end.kind === 'answered') {
      status = 200;
    } else {
      void this.deps.channels.end(callId).catch(() => undefined);
      const relayed = end.kind === 'cancelled' ? end.outcome : end.relay;
      const response = relayed && relayed.kind !== 'answered' ? relayed.response : undefined;
      if (end.kind === 'cancelled') {
        status = response?.status ?? 487;
        if (!incoming.answered) incoming.send(response ?? incoming.createResponse(487));
      } else if (response && response.status === end.status) {
        status = response.status;
        if (!incoming.answered) incoming.send(response);
      } else {
        status = end.status;
        if (!incoming.answered) incoming.respond(end.status, end.reason || undefined, end.headers ?? []);
      }
    }
    this.deps.log.info({ event: 'call.outcome', callId, status, durationMs: this.now() - started }, 'call outcome');
  }
}

function callerLabel(caller: Caller): string {
  return caller.kind === 'peer' ? `peer:${caller.peer.name}` : `line:${caller.line.sipId}`;
}

/** The Request-URI's user part (sip:/sips:) or number (tel:). */
function requestUser(message: SipRequest): string | undefined {
  const uri = parseUri(message.uri);
  if (!uri) return undefined;
  return uri.scheme === 'tel' ? (uri.user ?? uri.host) : uri.user;
}

/** The number the caller put in From (normalised), if any. */
function fromHeaderNumber(message: SipRequest): string | undefined {
  const from = message.headers.get('from') ?? '';
  const m = /<?(?:sips?|tel):([^@;>]+)/i.exec(from);
  return m ? normalizeNumber(m[1]!) ?? undefined : undefined;
}

function assertedIdentity(message: SipRequest): { assertedIdentity?: string } {
  const pai = message.headers.get('p-asserted-identity');
  return pai ? { assertedIdentity: pai } : {};
}

import { parseUri, type SipRequest } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { CallContext, DiversionReason } from '../features/call-context.js';
import { identifyCaller, privacyTokens } from '../features/caller-identity.js';
import type { CallSettings, PartyRequest } from '../store/feature-store.js';
import { callingNumber, dialledOf, originate } from '../features/origination.js';
import type { FeaturePipeline } from '../features/pipeline.js';
import { defaultFeatures, type HuntGroup, type NumberFeatures } from '../features/settings.js';
import { classifyDialled } from '../numbers/dialled.js';
import { normalizeNumber } from '../numbers/national.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { CallChannels } from './call-channels.js';
import type { CallRecorder } from './call-recorder.js';
import type { CallLiveness } from './call-liveness.js';
import { CallDelivery, type CallDeliveryDeps, type Presentation, type RouteEnd } from './call-delivery.js';
import { admitCaller, type Caller, type CallerSources } from './caller.js';
import { callOutcome } from './call-outcome.js';
import type { Metrics } from '../metrics/metrics.js';
import { announcementTarget, type AnnouncementSettings } from './announcements.js';
import type { AnnouncementReason } from '../features/call-context.js';
import type { SubscribedFeatures } from './subscribed-features.js';

export interface CallRouterDeps extends Omit<CallDeliveryDeps, 'now' | 'proxy' | 'channels'> {
  proxy: Pick<ProxyCore, 'relay' | 'checkForwardable' | 'forwardInDialog'>;
  channels: Pick<CallChannels, 'take' | 'give' | 'end' | 'has' | 'activeCalls'>;
  pipeline: FeaturePipeline;
  /** The settings calls act on (SubscribedFeatures). */
  features: Pick<SubscribedFeatures, 'callSettings' | 'callParties'>;
  callerSources: CallerSources;
  /** Counts call outcomes (softswitch_calls_total). */
  metrics?: Metrics;
  /** Watches answered calls (session timers, probes); told of each request inside a call. */
  liveness?: Pick<CallLiveness, 'request' | 'ended'>;
  /** Call detail records; absent when they are switched off (`cdr.enabled: false`). */
  records?: CallRecorder;
  /** The announcement server and prompts (config `announcements`); without a server, refusals keep their status codes. */
  announcements?: AnnouncementSettings;
  /**
   * Several workers on this node: a BYE for a call this worker does not
   * carry is told to the others, since the worker that routed the INVITE
   * holds the call's channels and its open record (endedElsewhere).
   */
  otherWorkers?: { callEnded(call: CallEnd): void };
  now?: () => number;
}

/** A call's BYE as one worker tells the others: who hung up ("address:port") and the BYE's Reason. */
export interface CallEnd {
  callId: string;
  by: string;
  reason?: string;
}

/** A refusal as the router sends it: a status, or the announcement that stands in for it. */
type Refusal = { status: number; reason: string; headers?: Array<[string, string]>; announcement?: AnnouncementReason };

/**
 * Call routing for initial INVITEs, as the call flow reads: admit the caller,
 * apply originating rules, run the feature pipeline, deliver with the
 * strategy it chose (a line, a hunt group, an outbound route), and when the
 * offer to the line fails ask the pipeline again; a forward starts over for
 * the new number with the grown chain. The forwarding stage bounds the chain
 * (5 forwards, no number twice).
 */
export class CallRouter {
  private readonly now: () => number;
  private readonly delivery: CallDelivery;
  /** Calls admitted and not yet answered or refused (an answered call is held by its channels until the BYE). */
  private readonly settingUp = new Set<string>();

  constructor(private readonly deps: CallRouterDeps) {
    this.now = deps.now ?? Date.now;
    this.delivery = new CallDelivery({ ...deps, now: this.now });
  }

  readonly handleInvite = async (incoming: IncomingRequest): Promise<void> => {
    const { log, proxy } = this.deps;
    const started = this.now();
    const callId = incoming.callId;
    const refusal = proxy.checkForwardable(incoming);
    if (refusal) return this.finish(incoming, started, { kind: 'reject', status: refusal.status, reason: '' });

    const admission = await admitCaller(incoming, this.deps.callerSources);
    if (!admission.ok) return;
    const caller = admission.caller;
    log.info(
      {
        event: 'call.attempt',
        callId,
        caller: callerLabel(caller),
        from: incoming.message.headers.get('from'),
        to: incoming.message.uri,
        address: incoming.source.address,
        port: incoming.source.port,
      },
      'call attempt',
    );
    this.deps.records?.begin(callId, {
      origin: caller.kind === 'peer' ? { kind: 'peer', name: caller.peer.name } : { kind: 'line', name: caller.line.sipId },
      calledNumber: requestUser(incoming.message) ?? '',
      callerSource: `${incoming.source.address}:${incoming.source.port}`,
    });

    let end: RouteEnd;
    this.settingUp.add(callId);
    try {
      end = await this.routeNewCall(incoming, caller);
    } catch (err) {
      await this.deps.channels.end(callId).catch(() => undefined);
      this.deps.records?.failed(callId);
      throw err;
    } finally {
      this.settingUp.delete(callId);
    }
    this.finish(incoming, started, end);
  };

  /** Calls this node carries now: being set up, or answered and holding channels until their BYE. */
  get activeCalls(): number {
    let count = this.deps.channels.activeCalls;
    for (const callId of this.settingUp) if (!this.deps.channels.has(callId)) count++;
    return count;
  }

  /** Requests inside a dialog go by Route; a BYE gives the call's channels back. */
  readonly handleInDialog = async (incoming: IncomingRequest): Promise<void> => {
    const outcome = await this.deps.proxy.forwardInDialog(incoming);
    // Refused (not our signed route, no hops left): answered already, and no call of ours ends.
    if (outcome.kind === 'refused') return;
    this.deps.liveness?.request(incoming.message);
    if (incoming.method === 'BYE') {
      const reason = incoming.message.headers.get('reason');
      const end: CallEnd = { callId: incoming.callId, by: `${incoming.source.address}:${incoming.source.port}`, ...(reason ? { reason } : {}) };
      if (!(await this.callEnded(end, incoming.source.address))) this.deps.otherWorkers?.callEnded(end);
    }
    if (outcome.kind === 'failed' && !incoming.answered) {
      incoming.send(outcome.response ?? incoming.createResponse(outcome.silent ? 408 : 404));
    }
  };

  /**
   * A call ended with no BYE passing through (its far ends vanished, or it
   * reached the maximum duration; see CallLiveness): channels back, record
   * closed with the reason.
   */
  readonly endWithoutBye = async (callId: string, reason: string): Promise<void> => {
    await this.deps.channels.end(callId).catch(() => undefined);
    this.deps.records?.endedBySystem(callId, reason);
    this.deps.log.info({ event: 'call.ended', callId, reason }, `call ended: ${reason}`);
  };

  /** A BYE for this call reached another worker of this node (CallRouterDeps.otherWorkers). */
  readonly endedElsewhere = async (end: CallEnd): Promise<void> => {
    await this.callEnded(end, end.by.slice(0, end.by.lastIndexOf(':')));
  };

  /** Ends the call's channels and record when this worker carries it; false when it does not. */
  private async callEnded(end: CallEnd, byAddress: string): Promise<boolean> {
    const carried = this.deps.channels.has(end.callId) || this.deps.records?.has(end.callId) === true;
    if (this.deps.channels.has(end.callId)) {
      await this.deps.channels.end(end.callId);
      this.deps.log.info({ event: 'call.ended', callId: end.callId, reason: 'BYE', by: byAddress }, 'call ended by BYE');
    }
    this.deps.liveness?.ended(end.callId);
    this.deps.records?.hungUp(end.callId, end.by, end.reason);
    return carried;
  }

  private async routeNewCall(incoming: IncomingRequest, caller: Caller): Promise<RouteEnd> {
    const message = incoming.message;
    const dialledUser = requestUser(message);
    const nowDate = new Date(this.now());

    if (caller.kind === 'peer') {
      // Terminating call from an interconnect: only our numbers are reachable, nothing transits.
      const dialled = classifyDialled(dialledUser ?? '');
      if (dialled.kind !== 'national') return { kind: 'reject', status: 404, reason: 'Not Found' };
      const called = await this.deps.features.callSettings(dialled.number);
      if (!called) return { kind: 'reject', status: 404, reason: 'Not Found' };
      const who = identifyCaller({
        from: message.headers.get('from') ?? '',
        privacy: privacyTokens(message.headers.getAll('privacy')),
        ...assertedIdentity(message),
      });
      this.deps.records?.identify(incoming.callId, {
        presentation: who.identity,
        calledNumber: dialled.number,
        ...(who.number !== undefined ? { callingNumber: who.number } : {}),
        ...(who.number !== undefined && who.identity === 'presented' ? { presentedNumber: who.number } : {}),
      });
      const call: CallContext = {
        callId: incoming.callId,
        callerIdentity: who.identity,
        ...(who.number ? { callerNumber: who.number } : {}),
        ...(who.payphoneAsserted ? { callerPayphone: true } : {}),
        calledNumber: dialled.number,
        calledFeatures: called.features,
        calledGroups: called.groups,
        calledIsOurs: true,
        forwards: [],
        now: nowDate,
      };
      return this.route(incoming, call, {});
    }

    // Originating call from one of our lines.
    const line = caller.line;
    const fromNumber = fromHeaderNumber(message);
    const number = callingNumber(line, fromNumber);
    const dialledNumber = dialledOf(dialledUser ?? '');
    // The line's channel is asked for with the settings, in the same round trip (docs/performance.md
    // "Store round trips"); it is still decided on after origination. A call refused holds it only
    // until its answer goes (finish gives every channel of a refused call back).
    const [settingsRead, channelTaken] = await Promise.allSettled([
      this.originatingSettings(number, line.basicNumber, dialledNumber.kind === 'national' ? dialledNumber.number : undefined),
      this.deps.channels.take(incoming.callId, line.sipId, line.channels, 'out'),
    ]);
    // Both settled first: a channel taken is registered with the call, so the failure path gives it back.
    if (settingsRead.status === 'rejected') throw settingsRead.reason;
    if (channelTaken.status === 'rejected') throw channelTaken.reason;
    const { features, basicFeatures, huntGroup, called } = settingsRead.value;
    const origin = originate({ dialledUserPart: dialledUser ?? '', line, ...(fromNumber ? { fromNumber } : {}), features, basicFeatures, huntGroup });
    this.deps.records?.identify(incoming.callId, {
      callingNumber: number,
      calledNumber: origin.ok && 'number' in origin.dialled ? origin.dialled.number : (dialledUser ?? ''),
      ...(origin.ok ? { presentation: origin.withhold ? 'withheld' : 'presented' } : { presentation: 'presented' }),
      ...(origin.ok && !origin.withhold ? { presentedNumber: origin.presentedNumber } : {}),
    });
    this.deps.decisions.record(
      incoming.callId,
      origin.ok
        ? { stage: 'origination', outcome: 'continue', presented: origin.presentedNumber, withhold: origin.withhold }
        : { stage: 'origination', outcome: 'reject', reason: origin.reason },
      number,
    );
    if (!origin.ok) return this.refuse(incoming, origin, { asserted: { number, withhold: features.presentation === 'withhold' } });
    // An emergency call goes even when every channel is in use (docs/product.md §5): it just holds none.
    if (!channelTaken.value && origin.dialled.kind !== 'emergency') return { kind: 'reject', status: 486, reason: 'Busy Here' };
    const presentation: Presentation = { asserted: { number: origin.presentedNumber, withhold: origin.withhold } };
    const dialled = origin.dialled;
    if (dialled.kind !== 'emergency' && dialled.kind !== 'national' && dialled.kind !== 'international')
      return { kind: 'reject', status: 404, reason: 'Not Found' };
    const call: CallContext = {
      callId: incoming.callId,
      callerNumber: number,
      callerIdentity: origin.withhold ? 'withheld' : 'presented',
      callerFeatures: features,
      calledNumber: dialled.number,
      calledIsOurs: false,
      forwards: [],
      now: nowDate,
    };
    // Emergency calls skip the feature stages: nothing may bar, forward or hunt them.
    if (dialled.kind === 'emergency') {
      return (await this.delivery.deliver(incoming, call, { kind: 'outbound', number: dialled.number, emergency: true }, presentation)).end;
    }
    return this.route(incoming, { ...call, ...calledPart(called) }, presentation);
  }

  /**
   * The pipeline decides, delivery carries it out; after a failed offer to the
   * line the pipeline decides again. Each forward runs it all again for the
   * new number, one hop longer.
   */
  private async route(incoming: IncomingRequest, first: CallContext, presentation: Presentation): Promise<RouteEnd> {
    const { pipeline } = this.deps;
    let call = first;
    for (;;) {
      const plan = await pipeline.plan(call);
      if (plan.kind === 'reject') return this.refuse(incoming, plan, presentation);
      if (plan.kind === 'forward') {
        call = await this.forwarded(call, plan.to, plan.diversion);
        continue;
      }
      const delivered = await this.delivery.deliver(incoming, call, plan.delivery, presentation);
      if (delivered.kind === 'done') return delivered.end;
      this.deps.records?.offerFailed(call.callId, delivered.failure);
      const after = await pipeline.afterOffer(call, delivered.failure);
      if (after.kind === 'reject') return { kind: 'reject', status: after.status, reason: after.reason, ...(after.headers ? { headers: after.headers } : {}) };
      if (after.kind === 'continue') return delivered.end;
      call = await this.forwarded(call, after.targets[0], after.diversion);
    }
  }

  /**
   * The refusal's status code, or, when it has an announcement and a server
   * is configured, the call answered there (RFC 4240 `play=`). The stage's
   * rejection was logged as its decision already; the announcement is one
   * more. If the server does not answer, the status code stands.
   */
  private async refuse(incoming: IncomingRequest, refusal: Refusal, presentation: Presentation): Promise<RouteEnd> {
    const bare: RouteEnd = { kind: 'reject', status: refusal.status, reason: refusal.reason, ...(refusal.headers ? { headers: refusal.headers } : {}) };
    const target = refusal.announcement && this.deps.announcements ? announcementTarget(this.deps.announcements, refusal.announcement) : undefined;
    if (!target) return bare;
    this.deps.decisions.record(incoming.callId, {
      stage: 'announcement',
      outcome: 'route',
      reason: refusal.announcement,
      status: refusal.status,
      target: target.uri,
    });
    const end = await this.delivery.announce(incoming, target, presentation);
    if (!end) this.deps.decisions.record(incoming.callId, { stage: 'announcement', outcome: 'failed', status: refusal.status, target: target.uri });
    return end ?? bare;
  }

  /** The call as the forward destination sees it: its own features, the chain one hop longer. */
  private async forwarded(call: CallContext, to: string, reason: DiversionReason): Promise<CallContext> {
    const called = await this.deps.features.callSettings(to);
    // callerFeatures dropped: the forwarded leg is the forwarding number's business (its bar was checked).
    const { calledFeatures: _previous, calledGroups: _groups, callerFeatures: _caller, ...rest } = call;
    const next: CallContext = {
      ...rest,
      calledNumber: to,
      ...calledPart(called),
      forwards: [...call.forwards, { from: call.calledNumber, to, reason }],
    };
    this.deps.log.info({ event: 'call.forwarded', callId: call.callId, from: call.calledNumber, to, reason, hop: next.forwards.length }, 'call forwarded');
    this.deps.records?.forwarded(call.callId, { from: call.calledNumber, to, reason });
    return next;
  }

  /**
   * A line's call, its settings in one read (docs/performance.md "Store
   * round trips"): the calling number's settings and hunt group, the line's
   * basic number's settings (for its outgoing restriction) when it is
   * another number, and the called number's settings and groups when it may
   * be ours. A number not ours calls with the default settings.
   */
  private async originatingSettings(
    number: string,
    basicNumber: string,
    calledNumber: string | undefined,
  ): Promise<{ features: NumberFeatures; basicFeatures: NumberFeatures; huntGroup: HuntGroup | null; called: CallSettings | null }> {
    const requests: PartyRequest[] = [{ number, groups: 'hunt' }];
    if (basicNumber !== number) requests.push({ number: basicNumber, groups: 'none' });
    if (calledNumber !== undefined) requests.push({ number: calledNumber, groups: 'both' });
    const read = await this.deps.features.callParties(requests);
    const calling = read[0]!;
    const features = calling.features ?? defaultFeatures(number);
    const basicFeatures = basicNumber === number ? features : (read[1]!.features ?? defaultFeatures(basicNumber));
    const calledRead = calledNumber !== undefined ? read[read.length - 1]! : undefined;
    const called = calledRead?.features ? { features: calledRead.features, groups: calledRead.groups } : null;
    return { features, basicFeatures, huntGroup: calling.groups.hunt, called };
  }

  /** Sends the final answer upstream (unless a 2xx already went) and logs the outcome. */
  private finish(incoming: IncomingRequest, started: number, end: RouteEnd): void {
    let status = 200;
    const records = this.deps.records;
    if (end.kind === 'answered') records?.answered(incoming.callId);
    else {
      void this.deps.channels.end(incoming.callId).catch(() => undefined);
      if (end.response) {
        status = end.response.status;
        if (!incoming.answered) incoming.send(end.response);
      } else {
        status = end.kind === 'cancelled' ? 487 : end.status;
        if (!incoming.answered) {
          if (end.kind === 'cancelled') incoming.respond(487);
          else incoming.respond(end.status, end.reason || undefined, end.headers ?? []);
        }
      }
      const reason = end.response?.reason ?? (end.kind === 'reject' ? end.reason : 'Request Terminated');
      records?.unanswered(incoming.callId, { status, reason, byCallee: end.response !== undefined, cancelled: end.kind === 'cancelled' });
    }
    this.deps.metrics?.calls.inc({ outcome: callOutcome(status) });
    this.deps.log.info({ event: 'call.outcome', callId: incoming.callId, status, durationMs: this.now() - started }, 'call outcome');
  }
}

/** The called number's part of a call: its settings and groups when it is ours. */
function calledPart(called: CallSettings | null): Pick<CallContext, 'calledFeatures' | 'calledGroups' | 'calledIsOurs'> {
  return called ? { calledFeatures: called.features, calledGroups: called.groups, calledIsOurs: true } : { calledIsOurs: false };
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

/** The number the caller put in From (normalized), if any: the parsed From URI's user part (tel: its number). */
function fromHeaderNumber(message: SipRequest): string | undefined {
  const from = message.from();
  const uri = from ? parseUri(from.uri) : null;
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips' && uri.scheme !== 'tel')) return undefined;
  const user = uri.scheme === 'tel' ? (uri.user ?? uri.host) : uri.user;
  return user ? (normalizeNumber(user) ?? undefined) : undefined;
}

function assertedIdentity(message: SipRequest): { assertedIdentity?: string } {
  const pai = message.headers.get('p-asserted-identity');
  return pai ? { assertedIdentity: pai } : {};
}

import type { SipRequest } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { CallContext, ForwardHop, OfferFailure } from '../features/call-context.js';
import type { Delivery } from '../features/call-plan.js';
import type { Log } from '../log.js';
import type { ProxyCore, RelayOutcome, RelayTarget } from '../proxy/proxy-core.js';
import type { BindingStore } from '../store/binding-store.js';
import type { LineRecord } from '../store/line-store.js';
import type { CallChannels } from './call-channels.js';
import type { CallRecorder } from './call-recorder.js';
import type { DecisionLog } from './decision-log.js';
import { classifyFailure, failureStatus } from './failure.js';
import { addDiversion, assertCallerIdentity, relayPeerIdentity } from './identity-headers.js';
import { cancelled, relayedResponse, type RouteEnd } from './route-end.js';
import { MAX_ROUTE_ATTEMPTS, RouteDelivery, type RouteDeliveryDeps } from './route-delivery.js';
import { hopDestination, hopLabel, targetUri } from './route-locator.js';
import { bindingDestination, lineTargets, sipsInTheClear, type HoldsConnection, type NodeHop } from './targets.js';
import type { Binding } from '../registrar/binding.js';
import type { ViaNode } from './node-handover.js';

export { NO_EMERGENCY_SERVICE_REASON } from './route-delivery.js';
export type { RouteEnd } from './route-end.js';

/** How the caller is presented on every leg of a call. */
export interface Presentation {
  /** Our line calling: the number we assert and whether it is withheld. */
  asserted?: { number: string; withhold: boolean };
}

/** How a delivery ended: for good, or an offer to the called line that failed (the feature stages may still act). */
export type Delivered = { kind: 'done'; end: RouteEnd } | { kind: 'failed'; failure: OfferFailure; end: RouteEnd };

export interface CallDeliveryDeps extends RouteDeliveryDeps {
  proxy: Pick<ProxyCore, 'relay'>;
  /** The line a number belongs to, if any. */
  lineOfNumber(number: string): Promise<LineRecord | null>;
  bindings: Pick<BindingStore, 'live'>;
  channels: Pick<CallChannels, 'take' | 'give'>;
  decisions: DecisionLog;
  records?: Pick<CallRecorder, 'offering'>;
  domain: string;
  /** Whether this node holds a binding's TCP/WS connection open now. */
  holdsConnection: HoldsConnection;
  /** The way to a binding whose connection another node holds (NodeHandover.viaNode); absent: such bindings are treated as gone. */
  viaNode?: (binding: Binding, callId: string) => Promise<ViaNode | undefined>;
  log: Log;
  now: () => number;
}

/**
 * The terminating half of a call: runs the delivery strategy the feature
 * pipeline chose (one line, a hunt over members, an outbound route) and says
 * how it ended. No feature rules here: what follows a failed offer is the
 * pipeline's to decide.
 */
export class CallDelivery {
  private readonly routes: RouteDelivery;

  constructor(private readonly deps: CallDeliveryDeps) {
    this.routes = new RouteDelivery(deps);
  }

  async deliver(incoming: IncomingRequest, call: CallContext, delivery: Delivery, presentation: Presentation): Promise<Delivered> {
    switch (delivery.kind) {
      case 'line':
        return this.toLine(incoming, call, delivery, presentation);
      case 'hunt':
        return { kind: 'done', end: await this.hunt(incoming, call, delivery, presentation) };
      case 'outbound': {
        // A carrier is a trusted next hop: PAI goes; our own Diversion, not the caller's (none on an emergency call).
        const forwards = delivery.emergency ? [] : call.forwards;
        const end = await this.routes.outbound(incoming, delivery.number, delivery.emergency, call.callerNumber, (r) =>
          this.prepareForPeer(r, presentation, forwards),
        );
        return { kind: 'done', end };
      }
      case 'voicemail':
        // The Request-URI names the mailbox; Diversion carries every forward, newest first (docs/product.md §4.4).
        return { kind: 'done', end: await this.routes.voicemail(incoming, delivery.mailbox, (r) => this.prepareForPeer(r, presentation, call.forwards)) };
    }
  }

  /**
   * A refused call answered by the announcement server (docs/product.md §4.7):
   * the target comes from the configuration; the server is our own trusted hop.
   * Undefined when it did not answer, so the refusal's status code stands.
   */
  async announce(incoming: IncomingRequest, target: RelayTarget, presentation: Presentation): Promise<RouteEnd | undefined> {
    const outcome = await this.deps.proxy.relay(incoming, [target], { prepare: (request) => this.prepareIdentity(request, presentation, true) });
    if (outcome.kind === 'answered') return { kind: 'answered' };
    if (outcome.kind === 'cancelled') return cancelled(outcome);
    return undefined;
  }

  /** A carrier or a platform of ours: trusted, so PAI goes; our own Diversion, not the caller's. */
  private prepareForPeer(request: SipRequest, presentation: Presentation, forwards: readonly ForwardHop[]): void {
    this.prepareIdentity(request, presentation, true);
    addDiversion(request, forwards, this.deps.domain);
  }

  /** The called number's own line; a failure is reported with the answer that stands if no stage acts on it. */
  private async toLine(
    incoming: IncomingRequest,
    call: CallContext,
    delivery: Extract<Delivery, { kind: 'line' }>,
    presentation: Presentation,
  ): Promise<Delivered> {
    const line = await this.deps.lineOfNumber(delivery.number);
    const offer = line ? await this.offerToLine(incoming, call, line, presentation, delivery.ringTimeoutMs) : { failure: 'unreachable' as const };
    if ('end' in offer) return { kind: 'done', end: offer.end };
    const { failure } = offer;
    // The line's own answer goes back, except the 487 to our no-answer CANCEL, which the caller never asked for.
    const response = 'relay' in offer && failure !== 'no-answer' ? relayedResponse(offer.relay) : undefined;
    return { kind: 'failed', failure, end: { kind: 'reject', ...failureStatus(failure), ...(response ? { response } : {}) } };
  }

  /** One line: take a channel, offer to its contacts, and say how it ended. */
  private async offerToLine(
    incoming: IncomingRequest,
    call: CallContext,
    line: LineRecord,
    presentation: Presentation,
    ringTimeoutMs?: number,
  ): Promise<{ end: RouteEnd } | { failure: OfferFailure; relay?: RelayOutcome }> {
    const { channels, bindings, proxy, holdsConnection, log } = this.deps;
    // The channel and the bindings in one round trip: the binding read is wasted only when the line is busy.
    // Both are awaited before either failure counts, so a channel taken is always held where the call's end finds it.
    const [taken, bound] = await Promise.allSettled([
      channels.take(call.callId, line.sipId, line.channels, 'in'),
      line.auth === 'digest' ? bindings.live(line.sipId, this.deps.now()) : Promise.resolve([]),
    ]);
    if (taken.status === 'rejected') throw taken.reason;
    if (!taken.value) {
      log.info({ event: 'call.busy', callId: call.callId, sipId: line.sipId, number: call.calledNumber, why: 'all channels in use' }, 'line busy');
      return { failure: 'busy' };
    }
    if (bound.status === 'rejected') throw bound.reason;
    const live = bound.value;
    const viaNodes = new Map<string, NodeHop>();
    for (const b of live) {
      if (sipsInTheClear(b)) {
        log.warn(
          { event: 'security.sips_downgrade_refused', callId: call.callId, sipId: line.sipId, contact: b.uri, transport: b.source.transport },
          'a sips: Contact registered over a plain transport is not called (RFC 3261 §26.2.2)',
        );
        continue;
      }
      if (b.source.connectionId === undefined || holdsConnection(b.source)) continue;
      const via = await this.deps.viaNode?.(b, call.callId);
      if (via?.kind === 'via') {
        viaNodes.set(b.key, via);
        log.info(
          { event: 'call.via_node', callId: call.callId, sipId: line.sipId, node: via.node, transport: b.source.transport },
          'connection held by another node: sending through it',
        );
        continue;
      }
      if (via?.kind === 'dead') {
        log.warn(
          { event: 'call.node_gone', callId: call.callId, sipId: line.sipId, node: via.node, transport: b.source.transport },
          'the node holding the connection is gone',
        );
      }
      // Its connection is gone (closed, another node's, or from before a restart): say so, once per offer.
      const to = bindingDestination(b, holdsConnection);
      log.warn(
        {
          event: 'call.flow_gone',
          callId: call.callId,
          sipId: line.sipId,
          contact: b.uri,
          transport: b.source.transport,
          node: b.source.node,
          tried: to ? 'contact' : 'none',
        },
        to ? 'connection gone: trying the Contact' : 'connection gone: binding unreachable',
      );
    }
    const targets =
      line.auth === 'ip' && line.deliverTo
        ? await this.trunkTargets(line, line.deliverTo, call.calledNumber)
        : lineTargets(line, call.calledNumber, live, holdsConnection, viaNodes);
    if (targets.length === 0) {
      await channels.give(call.callId, line.sipId, 'in');
      log.info({ event: 'call.unreachable', callId: call.callId, sipId: line.sipId, number: call.calledNumber, why: 'not registered' }, 'line not registered');
      return { failure: 'unreachable' };
    }
    this.deps.records?.offering(call.callId, { kind: 'line', name: line.sipId, number: call.calledNumber });
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

  /** An IP-authenticated trunk's configured delivery address, located like a route target (RFC 3263). */
  private async trunkTargets(line: LineRecord, deliverTo: string, calledNumber: string): Promise<RelayTarget[]> {
    const located = { name: line.sipId, target: deliverTo, transport: line.deliverTransport };
    const hops = await this.deps.locator.hops(located);
    return hops.slice(0, MAX_ROUTE_ATTEMPTS).map((hop) => ({
      uri: targetUri(calledNumber, located, hop),
      destination: hopDestination(hop),
      label: `${line.sipId} ${hopLabel(hop)}`,
    }));
  }

  /** Members in order until one takes the call; the strategy's answers when none does. */
  private async hunt(incoming: IncomingRequest, call: CallContext, hunt: Extract<Delivery, { kind: 'hunt' }>, presentation: Presentation): Promise<RouteEnd> {
    let busy = 0;
    let lastRelay: RelayOutcome | undefined;
    for (const member of hunt.members) {
      const line = await this.deps.lineOfNumber(member);
      if (!line) continue;
      const offer = await this.offerToLine(incoming, { ...call, calledNumber: member }, line, presentation);
      if ('end' in offer) return offer.end;
      this.deps.decisions.record(call.callId, { stage: 'hunt-group', outcome: 'skip', reason: offer.failure, target: member }, call.calledNumber);
      if (offer.failure === 'busy') busy++;
      if (offer.relay) lastRelay = offer.relay;
    }
    if (busy > 0 && busy === hunt.members.length) return { kind: 'reject', ...hunt.allBusy };
    const response = lastRelay ? relayedResponse(lastRelay) : undefined;
    return { kind: 'reject', ...hunt.otherwise, ...(response && response.status === hunt.otherwise.status ? { response } : {}) };
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
}

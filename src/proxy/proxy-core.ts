import { detached, parseNameAddr, SipRequest, SipResponse } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { SipServer } from '../core/server/sip-server.js';
import { systemClock, type Clock } from '../core/transactions/clock.js';
import type { Destination, TransportName } from '../core/transport/transport.js';
import type { Log } from '../log.js';
import { newBranch, upstreamOf, type BranchEnd } from './branch.js';
import { hopRefusal, stampHop } from './hop.js';
import { encodeFlow, flowFor, type FlowEnd } from './flow.js';
import { InDialogRelay } from './in-dialog.js';
import { ProxyBranch, type RelayCopy } from './proxy-branch.js';
import { encodeHops, type LocalIdentity } from './record-route.js';
import type { ProxySigner } from './signing.js';
import { askForSessionTimer, sessionOfAnswer } from './session-timer.js';

/** One place to offer a request: a registered contact, a peer, a route target. */
export interface RelayTarget {
  /** The Request-URI to use. */
  uri: string;
  /** Where to send it (a binding's source address for NAT, or a resolved peer). */
  destination: Destination;
  /** Route header values to add (a binding's Path, RFC 3327). */
  route?: string[];
  /** For logs. */
  label: string;
}

export interface RelayOptions {
  /** CANCEL a ringing branch after this long (no-answer). */
  ringTimeoutMs?: number;
  /** Give up on a branch from which nothing at all came back (not even 100). Default 2 s (docs/product.md §4.4). */
  noResponseTimeoutMs?: number;
  /** Last changes to the request for one target (identity headers, Diversion, …). */
  prepare?: (request: SipRequest, target: RelayTarget) => void;
  /** false: the session is another node's to watch (a call handed over to us); its 2xx is not shown to the observer. */
  watchSession?: boolean;
  /** Called for each provisional relayed upstream (for logs). */
  onProvisional?: (status: number, target: RelayTarget) => void;
}

export type RelayOutcome =
  | { kind: 'answered'; response: SipResponse; target: RelayTarget }
  /** Every target failed; `response` is the best final response (our Via removed), if any came. */
  | { kind: 'failed'; response?: SipResponse; silent: boolean; ringTimeout: boolean; target?: RelayTarget }
  | { kind: 'cancelled'; response?: SipResponse };

const DEFAULT_NO_RESPONSE_MS = 2_000;

/** A 2xx to an INVITE or UPDATE on its way upstream, with the request as we forwarded it. */
export interface ForwardedAnswer {
  incoming: IncomingRequest;
  forwarded: SipRequest;
  /** As the callee sent it (copied before anything is changed for the caller). */
  response: SipResponse;
  target: RelayTarget;
  /** The session interval it sets (RFC 4028), seconds; none without a session timer. */
  sessionSeconds?: number;
}

/** The session timer this proxy asks for on INVITEs (RFC 4028 §8.1), seconds. */
export interface SessionTimerSettings {
  seconds: number;
  minSeconds: number;
}

/** One relay in progress: the branch being tried, and whether upstream CANCELled. */
interface RelayState {
  branch?: ProxyBranch;
  cancelled: boolean;
}

/**
 * A transaction-stateful, record-routing proxy (RFC 3261 §16), drachtio-style:
 * `relay(request, targets, options)` tries the targets one after another
 * (serial forking), relays provisionals and a 2xx upstream at once, and hands
 * back a failure so the caller (call routing) can decide what comes next:
 * forwarding, the next hunt-group member, or the final answer.
 */
export class ProxyCore {
  /** Active relays by server transaction key, so an upstream CANCEL finds its branch. */
  private readonly active = new Map<string, RelayState>();
  /** Requests inside dialogs, 2xx ACKs and stray responses. */
  private readonly inDialog: InDialogRelay;
  private answers: ((answer: ForwardedAnswer) => void) | undefined;
  private sessionTimer: SessionTimerSettings | undefined;

  constructor(
    private readonly sip: SipServer,
    private readonly identity: LocalIdentity,
    private readonly signer: ProxySigner,
    private readonly log: Log,
    /** Whether an address trusts ours (a peer's, an IP-authenticated line's): in-dialog requests reach it only inside its dialog. */
    isTrustedHop: (address: string) => Promise<boolean>,
    private readonly clock: Clock = systemClock,
  ) {
    this.inDialog = new InDialogRelay(sip, identity, signer, log, isTrustedHop, (incoming, target, timeoutMs, prepare) =>
      this.relay(incoming, [target], { noResponseTimeoutMs: timeoutMs, prepare }),
    );
    sip.setProxyDelegate({
      onCancel: (invite) => this.cancel(invite),
      onAck: (request, source) => void this.inDialog.forwardAck(request, source),
      onStrayResponse: (response, source) => this.inDialog.strayResponse(response, source),
    });
  }

  /**
   * Follow the sessions we carry: every 2xx to an INVITE or UPDATE is shown
   * to `observer` (the call layer keeps calls alive by it), and initial
   * INVITEs of callers that support session timers ask for `sessionTimer`.
   */
  watchSessions(observer: (answer: ForwardedAnswer) => void, sessionTimer?: SessionTimerSettings): void {
    this.answers = observer;
    this.sessionTimer = sessionTimer;
  }

  /** RFC 3261 §16.3 checks before an initial request is forwarded; returns a status to answer instead. */
  checkForwardable(request: IncomingRequest): { status: number; reason?: string } | undefined {
    return hopRefusal(request.message, this.identity.allSentBy());
  }

  /** A request inside a dialog: relayed by our signed Record-Route only (see InDialogRelay). */
  forwardInDialog(incoming: IncomingRequest, prepare?: (request: SipRequest) => void): Promise<RelayOutcome | { kind: 'refused' }> {
    return this.inDialog.forward(incoming, prepare);
  }

  async relay(incoming: IncomingRequest, targets: RelayTarget[], options: RelayOptions = {}): Promise<RelayOutcome> {
    // Cancelled (and answered 487) while routing was still deciding: ring nobody.
    if (incoming.answered) return { kind: 'cancelled' };
    const key = incoming.transaction.key;
    const state: RelayState = { cancelled: false };
    this.active.set(key, state);
    let best: SipResponse | undefined;
    let allSilent = true;
    let ringTimeout = false;
    let lastTarget: RelayTarget | undefined;
    try {
      for (const target of targets) {
        if (state.cancelled || incoming.answered) break;
        lastTarget = target;
        const end = await this.tryTarget(incoming, target, options, state);
        this.log.debug(
          {
            event: 'proxy.branch',
            callId: incoming.callId,
            target: target.label,
            end: end.kind,
            ...('response' in end && end.response ? { status: end.response.status } : {}),
          },
          'branch ended',
        );
        if (end.kind === 'answered') return { kind: 'answered', response: end.response, target };
        if (end.kind !== 'silent') allSilent = false;
        if (end.kind === 'ring-timeout') ringTimeout = true;
        const response = end.kind === 'final' || end.kind === 'ring-timeout' ? end.response : undefined;
        if (response) best = betterOf(best, response);
        if (state.cancelled) return { kind: 'cancelled', ...(response ? { response } : {}) };
        if (response && response.status >= 600) break; // §16.7 step 5: a 6xx ends the search
      }
      if (state.cancelled || incoming.answered) return { kind: 'cancelled', ...(best ? { response: best } : {}) };
      return {
        kind: 'failed',
        ...(best ? { response: best } : {}),
        silent: allSilent && targets.length > 0,
        ringTimeout,
        ...(lastTarget ? { target: lastTarget } : {}),
      };
    } finally {
      this.active.delete(key);
    }
  }

  /** A copy of the request for one target (RFC 3261 §16.6). */
  private forwardedCopy(incoming: IncomingRequest, target: RelayTarget, branch: string, options: RelayOptions): SipRequest {
    const source = incoming.message;
    const request = new SipRequest(source.method, target.uri, source.headers.clone(), source.body);
    const h = request.headers;
    stampHop(h);
    // An initial request goes where our routing sends it, so the Route it came with ends here: an entry
    // naming us would bring it back (RFC 3261 §16.4), one naming another host would let the caller steer it.
    if (!source.hasToTag()) h.remove('route');
    if (source.method === 'INVITE' && !source.hasToTag()) {
      // Record-Route so the dialog's later requests come through us, signed for this dialog (only
      // requests carrying it are relayed later); a second entry when the transport (RFC 5658) or
      // the WebSocket connection changes, each side with its own flow. The signature also covers
      // the dialog's two hops, so its route cannot later take requests to a third party.
      const node = this.identity.node;
      const inFlow = encodeFlowFor(incoming.source, source.headers.get('contact'), node);
      const outFlow = encodeFlowFor(target.destination, target.uri, node);
      const hops = encodeHops([incoming.source.address, target.destination.address]);
      const recordRoute = (transport: TransportName, flow?: string): string =>
        this.identity.recordRoute(transport, flow, this.signer.dialogSignature(incoming.callId, source.fromTag(), flow ?? '', hops), hops);
      if (incoming.source.transport !== target.destination.transport || inFlow !== outFlow) {
        h.prepend('Record-Route', recordRoute(incoming.source.transport, inFlow));
      }
      h.prepend('Record-Route', recordRoute(target.destination.transport, outFlow));
      if (this.sessionTimer) askForSessionTimer(request, this.sessionTimer);
    }
    for (const route of [...(target.route ?? [])].reverse()) h.prepend('Route', route);
    h.prepend('Via', `SIP/2.0/${target.destination.transport} ${this.identity.sentBy(target.destination.transport)};branch=${branch};rport`);
    options.prepare?.(request, target);
    return request;
  }

  private tryTarget(incoming: IncomingRequest, target: RelayTarget, options: RelayOptions, state: RelayState): Promise<BranchEnd> {
    const topVia = incoming.message.topVia();
    const branch = newBranch(this.signer, incoming.callId, topVia ? upstreamOf(topVia) : '', this.sip.worker);
    const request = this.forwardedCopy(incoming, target, branch, options);
    const attempt = new ProxyBranch(
      request,
      branch,
      target.destination,
      {
        startClientTransaction: (r, b, d, user) => this.sip.startClientTransaction(r, b, d, user),
        relayProvisional: (response) => {
          this.relayUpstream(incoming, response);
          options.onProvisional?.(response.status, target);
        },
        relayAnswer: (response) => {
          if (options.watchSession !== false) this.showAnswer(incoming, request, response, target);
          this.relayUpstream(incoming, response);
          return copiesUpstream(this.sip, incoming);
        },
        upstream: (response) => upstreamResponse(response, incoming),
      },
      this.clock,
    );
    state.branch = attempt;
    return attempt.run({
      silenceMs: options.noResponseTimeoutMs ?? DEFAULT_NO_RESPONSE_MS,
      ...(options.ringTimeoutMs !== undefined ? { ringMs: options.ringTimeoutMs } : {}),
    });
  }

  /** A 2xx to an INVITE or UPDATE: completed for the session timer (RFC 4028 §8.2), then shown to the observer. */
  private showAnswer(incoming: IncomingRequest, forwarded: SipRequest, response: SipResponse, target: RelayTarget): void {
    if (forwarded.method !== 'INVITE' && forwarded.method !== 'UPDATE') return;
    const asCalleeSent = new SipResponse(response.status, response.reason, response.headers.clone(), response.body);
    const sessionSeconds = sessionOfAnswer(forwarded, response);
    this.answers?.({ incoming, forwarded, response: asCalleeSent, target, ...(sessionSeconds !== undefined ? { sessionSeconds } : {}) });
  }

  /** Upstream CANCEL (RFC 3261 §16.10): cancel the branch being tried; its 487 becomes our answer. */
  private cancel(invite: IncomingRequest): boolean {
    const state = this.active.get(invite.transaction.key);
    if (!state) return false;
    state.cancelled = true;
    state.branch?.cancel();
    return true;
  }

  private relayUpstream(incoming: IncomingRequest, response: SipResponse): void {
    const relayed = upstreamResponse(response, incoming);
    if (response.status >= 200 && response.status < 300 && incoming.answered) {
      // A 2xx copy after the server transaction finished: forward it by its Via (RFC 6026 §8.4).
      this.sip.sendResponse(relayed, incoming.source);
      return;
    }
    incoming.send(relayed);
  }
}

/** What a response going upstream takes from the caller's request (see upstreamResponse). */
interface UpstreamHeaders {
  vias: string[];
  from: string | undefined;
  to: string | undefined;
}

function upstreamHeadersOf(request: SipRequest): UpstreamHeaders {
  const h = request.headers;
  return { vias: h.getAll('via'), from: h.get('from'), to: h.get('to') };
}

/**
 * The response as it goes upstream (RFC 3261 §16.7 step 3): our Via removed,
 * and below it the Vias the request came with (as we stamped them), not
 * whatever the next hop wrote there, so a callee cannot aim it elsewhere.
 * It carries the caller's own request's From and To (RFC 3261 §8.2.6.2:
 * copied from the request), not the identity we rewrote for the callee; only
 * the callee's To tag is added.
 */
export function upstreamResponse(response: SipResponse, incoming: IncomingRequest): SipResponse {
  return withUpstreamHeaders(response, upstreamHeadersOf(incoming.message));
}

function withUpstreamHeaders(response: SipResponse, { vias, from, to }: UpstreamHeaders): SipResponse {
  const h = response.headers;
  h.remove('via');
  for (const via of vias) h.append('Via', via);
  if (from !== undefined) h.set('From', from);
  const calleeTag = parseNameAddr(h.get('to') ?? '')?.params.tag;
  if (to !== undefined) h.set('To', calleeTag && !parseNameAddr(to)?.params.tag ? `${to};tag=${calleeTag}` : to);
  return response;
}

/**
 * How the copies of a 2xx reach the caller once the first went up: by the
 * Vias, past the finished server transaction (RFC 6026 §8.4). Made out here,
 * so that what it keeps for the client transaction's 32 s is the caller's
 * Vias, From and To and its address, not the requests and the relay's state.
 */
function copiesUpstream(sip: SipServer, incoming: IncomingRequest): RelayCopy {
  // Kept for 64*T1 (Timer M): copies of the strings, as a slice of the INVITE would keep its whole text alive.
  const { vias, from, to } = upstreamHeadersOf(incoming.message);
  const headers: UpstreamHeaders = {
    vias: vias.map(detached),
    from: from === undefined ? undefined : detached(from),
    to: to === undefined ? undefined : detached(to),
  };
  const source = incoming.source;
  return (copy) => void sip.sendResponse(withUpstreamHeaders(copy, headers), source);
}

/** RFC 3261 §16.7 step 6, simplified: any 6xx wins, then the lowest class, 503 never relayed as such. */
export function betterOf(current: SipResponse | undefined, next: SipResponse): SipResponse {
  if (!current) return next;
  const rank = (r: SipResponse): number => (r.status >= 600 ? 0 : r.status === 503 ? 550 : r.status);
  return rank(next) < rank(current) ? next : current;
}

/** The flow token for one end of a new dialog (flow.ts), or none when its Contact reaches it. */
function encodeFlowFor(end: FlowEnd, contact: string | undefined, node: string): string | undefined {
  const flow = flowFor(end, contact, node);
  return flow ? encodeFlow(flow) : undefined;
}

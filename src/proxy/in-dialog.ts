import { SipRequest, type SipResponse } from '../core/messages/index.js';
import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { SipServer } from '../core/server/sip-server.js';
import type { Destination, Source } from '../core/transport/transport.js';
import { viaDestination } from '../core/transport/via-routing.js';
import type { Log } from '../log.js';
import { newBranch, upstreamOf, verifyBranch, withoutTopVia } from './branch.js';
import { nextHopRefusal, routeInDialog } from './dialog-guard.js';
import { hopRefusal, stampHop } from './hop.js';
import { decodeFlow, type Flow } from './flow.js';
import { resolveNextHop } from './next-hop.js';
import type { RelayOutcome, RelayTarget } from './proxy-core.js';
import type { LocalIdentity } from './record-route.js';
import { RefusalLog } from './refusal-log.js';
import type { ProxySigner } from './signing.js';

/** In-dialog requests wait for Timer F, not the 2 s ring rule. */
const IN_DIALOG_TIMEOUT_MS = 32_000;

type RelayOne = (incoming: IncomingRequest, target: RelayTarget, noResponseTimeoutMs: number, prepare: (request: SipRequest) => void) => Promise<RelayOutcome>;

/**
 * The proxy inside dialogs (RFC 3261 §16.4, §16.12): requests with a To-tag
 * and 2xx ACKs are relayed only along a Record-Route this service signed
 * (routeInDialog), with the same hop rules as initial requests; a response
 * matching no transaction is relayed only when it is a 2xx copy on a branch
 * we signed. Everything else is refused or dropped, and counted.
 */
export class InDialogRelay {
  /** Forged or unknown in-dialog requests and ACKs. */
  readonly refusedRequests: RefusalLog;
  /** Responses matching no transaction that we do not relay. */
  readonly droppedResponses: RefusalLog;
  /** In-dialog requests whose recorded flow was gone, sent to the Contact or refused. */
  readonly flowsGone: RefusalLog;

  constructor(
    private readonly sip: SipServer,
    private readonly identity: LocalIdentity,
    private readonly signer: ProxySigner,
    log: Log,
    private readonly isTrustedHop: (address: string) => Promise<boolean>,
    private readonly relayOne: RelayOne,
  ) {
    this.refusedRequests = new RefusalLog(log, 'security.relay_refused');
    this.droppedResponses = new RefusalLog(log, 'security.response_dropped');
    this.flowsGone = new RefusalLog(log, 'dialog.flow_gone');
  }

  /** A request with a To-tag: answered here when refused, else relayed and its answer passed back. */
  async forward(incoming: IncomingRequest, prepare?: (request: SipRequest) => void): Promise<RelayOutcome | { kind: 'refused' }> {
    const next = await this.nextHop(incoming.message, incoming.source);
    if ('refused' in next) {
      incoming.respond(next.refused.status);
      return { kind: 'refused' };
    }
    const target: RelayTarget = { uri: next.uri, destination: next.destination, label: next.uri };
    return this.relayOne(incoming, target, IN_DIALOG_TIMEOUT_MS, (request) => {
      request.headers.remove('route');
      for (const route of next.routes) request.headers.append('Route', route);
      prepare?.(request);
    });
  }

  /** The ACK for a 2xx travels end to end by Route, with no transaction (RFC 3261 §16.7, §17.1.1.3); refused ones are dropped. */
  async forwardAck(request: SipRequest, source: Source): Promise<void> {
    if (!request.hasToTag()) return;
    const next = await this.nextHop(request, source);
    if ('refused' in next) return;
    const copy = new SipRequest('ACK', next.uri, request.headers.clone(), request.body);
    copy.headers.remove('route');
    for (const route of next.routes) copy.headers.append('Route', route);
    stampHop(copy.headers);
    const via = request.topVia();
    const branch = newBranch(this.signer, request.headers.get('call-id') ?? '', via ? upstreamOf(via) : '', this.sip.worker);
    copy.headers.prepend('Via', `SIP/2.0/${next.destination.transport} ${this.identity.sentBy(next.destination.transport)};branch=${branch};rport`);
    this.sip.sendRequest(copy, next.destination);
  }

  /** Hop checks, then the signed route; a refusal is logged (rate-limited) with its source and reason. */
  private async nextHop(
    message: SipRequest,
    source: Source,
  ): Promise<{ uri: string; routes: string[]; destination: Destination } | { refused: { status: number; reason: string } }> {
    const refuse = (status: number, reason: string) => {
      this.refusedRequests.record({
        address: source.address,
        port: source.port,
        transport: source.transport,
        method: message.method,
        callId: message.headers.get('call-id'),
        uri: message.uri,
        status,
        reason,
      });
      return { refused: { status, reason } };
    };
    const hop = hopRefusal(message, this.identity.allSentBy());
    if (hop) return refuse(hop.status, hop.reason);
    const route = routeInDialog(message, this.identity, this.signer);
    if (route.kind === 'refuse') return refuse(route.status, route.reason);
    const flow = route.flow ? decodeFlow(route.flow) : undefined;
    // The far end's flow (signed with the route, so one of the dialog's hops): back the way it came.
    const onFlow = flow ? this.flowDestination(flow) : undefined;
    if (onFlow) return { uri: route.uri, routes: route.routes, destination: onFlow };
    const destination = await resolveNextHop(route.routes[0] ?? route.uri);
    if (flow) {
      // Its connection is gone (or held by another node): its Contact is the only way left.
      this.flowsGone.record({
        address: source.address,
        port: source.port,
        method: message.method,
        callId: message.headers.get('call-id'),
        flow: flow.transport,
        uri: route.uri,
        reason: destination ? 'flow gone: sent to the contact' : 'flow gone: contact unreachable',
      });
      if (!destination) return refuse(480, 'flow gone and its contact unreachable');
    }
    if (!destination) return refuse(404, 'next hop does not resolve');
    let trusted: boolean;
    try {
      trusted = await this.isTrustedHop(destination.address);
    } catch {
      return refuse(503, 'trusted hop lookup failed'); // fail closed: the store is down
    }
    const outside = nextHopRefusal(destination.address, route.hops, trusted);
    return outside ? refuse(403, outside) : { uri: route.uri, routes: route.routes, destination };
  }

  /** Where a flow leads now: UDP always, a connection only while this node (this worker or a sibling) holds it open. */
  private flowDestination(flow: Flow): Destination | undefined {
    if (flow.transport === 'UDP') return { transport: 'UDP', address: flow.address, port: flow.port };
    if (flow.node !== this.identity.node) return undefined;
    const peer = this.sip.connectionPeer(flow.transport, flow.connectionId);
    if (peer) return { transport: flow.transport, ...peer, connectionId: flow.connectionId };
    // Held by another worker: it sends on it (no address here, so no new connection if it is gone).
    return this.sip.heldByOtherWorker(flow.connectionId) ? { transport: flow.transport, address: '', port: 0, connectionId: flow.connectionId } : undefined;
  }

  /**
   * A response matching no client transaction: a 2xx copy to an INVITE we
   * forwarded (RFC 6026 §8.4) goes on by the next Via, but only on a branch we
   * signed for that Call-ID and that upstream hop. Anything else is dropped.
   */
  strayResponse(response: SipResponse, source: Source): void {
    const ours = response.topVia();
    const drop = (reason: string): void =>
      this.droppedResponses.record({
        address: source.address,
        port: source.port,
        transport: source.transport,
        status: response.status,
        callId: response.headers.get('call-id'),
        reason,
      });
    if (response.status < 200 || response.status >= 300 || response.cseq()?.method !== 'INVITE') return drop('not a 2xx to an INVITE');
    if (!ours || !this.identity.allSentBy().includes(`${ours.host}:${ours.port ?? 5060}`)) return drop('top Via is not ours');
    const relayed = withoutTopVia(response);
    const upstream = relayed.topVia();
    if (!upstream) return drop('no Via to relay to');
    const callId = response.headers.get('call-id') ?? '';
    if (!verifyBranch(this.signer, ours.params.branch ?? '', callId, upstreamOf(upstream))) return drop('branch not signed for this upstream');
    const destination = viaDestination(upstream);
    this.sip.sendResponse(relayed, { ...destination, localAddress: '', localPort: 0 });
  }
}

import type { IncomingRequest } from '../core/server/incoming-request.js';
import type { SipServer } from '../core/server/sip-server.js';
import type { Destination } from '../core/transport/transport.js';
import type { Log } from '../log.js';
import { encodeFlow } from '../proxy/flow.js';
import { nodeHandOver, nodeRoute } from '../proxy/node-route.js';
import type { ProxyCore } from '../proxy/proxy-core.js';
import type { LocalIdentity } from '../proxy/record-route.js';
import { RefusalLog } from '../proxy/refusal-log.js';
import type { ProxySigner } from '../proxy/signing.js';
import type { Binding } from '../registrar/binding.js';
import type { NodeStore } from '../store/node-store.js';

/** How a binding whose connection another node holds is reached: through that node, or not (it is gone). */
export type ViaNode = { kind: 'via'; node: string; destination: Destination; route: string } | { kind: 'dead'; node: string };

export interface NodeHandoverDeps {
  nodes: Pick<NodeStore, 'live' | 'liveAt'>;
  identity: Pick<LocalIdentity, 'isMine' | 'node'>;
  signer: ProxySigner;
  proxy: Pick<ProxyCore, 'relay' | 'checkForwardable'>;
  sip: Pick<SipServer, 'connectionPeer' | 'heldByOtherWorker'>;
  log: Log;
  now?: () => number;
}

/**
 * Calls to a client whose TCP, TLS, WS or WSS connection another node holds (a client
 * keeps one connection to one node): the node routing the call sends the
 * INVITE to the holding node with a signed Route naming the connection
 * (`viaNode`), and the holding node relays it over that connection
 * (`receive`), record-routing, so the dialog's later requests pass both. The
 * holding node takes such a Route only from a live node's address, signed
 * with the key the nodes share.
 */
export class NodeHandover {
  private readonly refused: RefusalLog;
  private readonly now: () => number;

  constructor(private readonly deps: NodeHandoverDeps) {
    this.refused = new RefusalLog(deps.log, 'security.node_route_refused');
    this.now = deps.now ?? Date.now;
  }

  /** The way to a binding held by another node; undefined when it is this node's own. */
  async viaNode(binding: Binding, callId: string): Promise<ViaNode | undefined> {
    const { node, connectionId, transport } = binding.source;
    if (node === this.deps.identity.node || connectionId === undefined || transport === 'UDP') return undefined;
    const holder = await this.deps.nodes.live(node, this.now());
    if (!holder) return { kind: 'dead', node };
    const flow = encodeFlow({ transport, connectionId, node });
    return {
      kind: 'via',
      node,
      destination: { transport: 'UDP', address: holder.host.replace(/^\[|\]$/g, ''), port: holder.port },
      route: nodeRoute(holder, flow, callId, this.deps.signer),
    };
  }

  /** An INVITE handed over by another node: relayed over our connection (true), or not one (false: route it as usual). */
  readonly receive = async (incoming: IncomingRequest): Promise<boolean> => {
    const { log, proxy, sip } = this.deps;
    const handOver = nodeHandOver(incoming.message, this.deps.identity, this.deps.signer);
    if (handOver.kind === 'none') return false;
    const { address, port, transport } = incoming.source;
    const refuse = (reason: string): true => {
      this.refused.record({ address, port, transport, callId: incoming.callId, reason });
      incoming.respond(403);
      return true;
    };
    if (handOver.kind === 'refuse') return refuse(handOver.reason);
    const from = await this.deps.nodes.liveAt(address, port, this.now());
    if (!from) return refuse('node route from an address that is no live node');
    const hop = proxy.checkForwardable(incoming);
    if (hop) {
      incoming.respond(hop.status);
      return true;
    }
    const { flow } = handOver;
    const peer = sip.connectionPeer(flow.transport, flow.connectionId);
    // Held by a sibling worker (the other node's UDP was hashed here): that worker sends on it; no address, so no new connection.
    const viaWorker = !peer && sip.heldByOtherWorker(flow.connectionId);
    if (!peer && !viaWorker) {
      log.warn(
        { event: 'call.flow_gone', callId: incoming.callId, node: from.id, transport: flow.transport, tried: 'none' },
        'connection gone: call from another node refused',
      );
      incoming.respond(480, 'Connection Gone');
      return true;
    }
    log.info(
      { event: 'call.node_handover', callId: incoming.callId, from: from.id, transport: flow.transport },
      'call from another node to a connection held here',
    );
    const outcome = await proxy.relay(
      incoming,
      [
        {
          uri: incoming.message.uri,
          destination: { transport: flow.transport, ...(peer ?? { address: '', port: 0 }), connectionId: flow.connectionId },
          label: `connection ${flow.connectionId}`,
        },
      ],
      { watchSession: false },
    );
    if (incoming.answered || outcome.kind === 'answered') return true;
    if (outcome.kind === 'cancelled') incoming.respond(487);
    else if (outcome.response) incoming.send(outcome.response);
    else incoming.respond(outcome.silent ? 408 : 480);
    return true;
  };
}

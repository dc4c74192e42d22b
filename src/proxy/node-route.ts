import { parseNameAddr, parseUri, type SipRequest } from '../core/messages/index.js';
import { decodeFlow, type Flow } from './flow.js';
import type { LocalIdentity } from './record-route.js';
import type { ProxySigner } from './signing.js';

/** The URI parameter of a node-to-node Route carrying its signature (ProxySigner.nodeRouteSignature). */
export const NODE_ROUTE_PARAM = 'noderoute';

/**
 * The Route by which one node hands a call to the node holding the called
 * client's connection (as Path would, RFC 3327): that node's address with the
 * connection's flow token in the user part, signed for this call, so only a
 * node (which has the shared key) can make one.
 */
export function nodeRoute(node: { host: string; port: number }, flow: string, callId: string, signer: ProxySigner): string {
  const host = node.host.includes(':') && !node.host.startsWith('[') ? `[${node.host}]` : node.host;
  return `<sip:${flow}@${host}:${node.port};lr;${NODE_ROUTE_PARAM}=${signer.nodeRouteSignature(callId, flow)}>`;
}

/** What an initial request's top Route says: nothing of the kind, a hand-over to a connection we hold, or a forgery. */
export type NodeHandOver = { kind: 'none' } | { kind: 'relay'; flow: Extract<Flow, { connectionId: string }> } | { kind: 'refuse'; reason: string };

/**
 * Whether a request's top Route is another node's hand-over to us (see
 * nodeRoute): ours, with the node signature for this Call-ID and flow, and
 * the flow a connection of this node.
 */
export function nodeHandOver(message: SipRequest, identity: Pick<LocalIdentity, 'isMine' | 'node'>, signer: ProxySigner): NodeHandOver {
  const top = message.headers.getList('route')[0];
  if (!top || !identity.isMine(top)) return { kind: 'none' };
  const uri = parseUri(parseNameAddr(top)?.uri ?? '');
  const signature = uri?.params[NODE_ROUTE_PARAM];
  if (!uri || signature === undefined) return { kind: 'none' };
  const token = uri.user ?? '';
  const flow = decodeFlow(token);
  if (!flow || flow.transport === 'UDP') return { kind: 'refuse', reason: 'no connection flow in the node route' };
  if (!signature || !signer.verifyNodeRoute(signature, message.headers.get('call-id') ?? '', token)) return { kind: 'refuse', reason: 'node route not signed' };
  if (flow.node !== identity.node) return { kind: 'refuse', reason: 'the flow is not of this node' };
  return { kind: 'relay', flow };
}

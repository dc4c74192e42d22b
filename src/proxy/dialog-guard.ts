import type { SipRequest } from '../core/messages/index.js';
import { decodeHops, type LocalIdentity, type OwnRoute } from './record-route.js';
import type { ProxySigner } from './signing.js';

/** Where a request inside a dialog goes next, or why it is refused. */
export type InDialogRoute =
  /** `flow`: the flow token (flow.ts) of the far end, when our route recorded one. */
  /** `hops`: the dialog's two hop addresses, as our signed route names them. */
  { kind: 'forward'; uri: string; routes: string[]; hops: string[]; flow?: string } | { kind: 'refuse'; status: 403 | 481; reason: string };

/**
 * Dialog integrity for a proxy that record-routes (RFC 3261 §16.4, §16.12):
 * a request inside a dialog is relayed only when its top Route is a
 * Record-Route this service inserted and signed for that dialog (Call-ID and
 * the caller's From-tag, which travels in From one way and in To the other).
 * Then our entries are removed and the request follows the rest of the route
 * set, or its Request-URI. Nothing is relayed because a request merely names
 * a host.
 */
export function routeInDialog(message: SipRequest, identity: LocalIdentity, signer: ProxySigner): InDialogRoute {
  const callId = message.headers.get('call-id') ?? '';
  const tags = [message.fromTag(), message.toTag()].filter((t) => t !== '');
  const signedByUs = (own: OwnRoute): boolean =>
    own.signature !== undefined && signer.verifyDialog(own.signature, callId, tags, own.flow ?? '', own.hops ?? '');
  let hops: string[] = [];
  let uri = message.uri;
  const routes = message.headers.getList('route');
  let own = routes.length > 0 ? identity.ownRoute(routes[0]!) : undefined;

  if (own) {
    let flow: string | undefined;
    // Our own entries (two when the transport changed): each must carry our signature for this dialog.
    while (own) {
      routes.shift();
      if (!signedByUs(own)) return refuse(403, 'route not signed for this dialog');
      hops = decodeHops(own.hops ?? '');
      // Our entries face the sender first and the far end last (each side's route set is the
      // Record-Route in its own order), so the last one's flow is the way to the far end.
      flow = own.flow;
      own = routes.length > 0 ? identity.ownRoute(routes[0]!) : undefined;
    }
    if (flow) return { kind: 'forward', uri, routes, hops, flow };
  } else if ((own = identity.ownRoute(uri)) && signedByUs(own)) {
    // A strict router put our Record-Route in the Request-URI: the last Route is the real target (§16.4).
    if (routes.length === 0) return refuse(481, 'no target after our route');
    hops = decodeHops(own.hops ?? '');
    uri = routes.pop()!.replace(/^\s*<|>.*$/g, '');
  } else if (routes.length === 0 && (own || identity.isOurDomain(uri))) {
    // Addressed to us with no route set: a dialog we do not know (RFC 3261 §12.2.2).
    return refuse(481, 'no such dialog');
  } else {
    return refuse(403, routes.length > 0 ? 'top route is not ours' : 'no signed route of ours');
  }

  const nextHop = routes[0] ?? uri;
  // Back to ourselves after our own entries: nothing to relay (e.g. an ACK ending here).
  if (identity.isMine(nextHop) || identity.isOurDomain(nextHop)) return refuse(481, 'route set leads back to us');
  return { kind: 'forward', uri, routes, hops };
}

/**
 * The next hop rule inside a dialog: an address that trusts ours (a peer, an
 * IP-authenticated line) is reached only when it is one of the dialog's two
 * signed hops; otherwise one genuine call's route would carry requests to any
 * trusted host they name. Other next hops (phones' Contacts) may be anywhere.
 */
export function nextHopRefusal(address: string, dialogHops: string[], trusted: boolean): string | undefined {
  if (!trusted) return undefined;
  return dialogHops.includes(address.toLowerCase()) ? undefined : 'next hop outside the dialog';
}

function refuse(status: 403 | 481, reason: string): InDialogRoute {
  return { kind: 'refuse', status, reason };
}

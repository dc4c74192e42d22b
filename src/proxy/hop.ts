import { parseVia, type Headers, type SipRequest } from '../core/messages/index.js';

/** RFC 3261 §8.1.1.6: the Max-Forwards a request without one gets. */
export const DEFAULT_MAX_FORWARDS = 70;

/**
 * RFC 3261 §16.3 steps 3 and 4, for every request we relay (initial, inside
 * a dialog, ACK): no hops left (483), or it already went through us (482).
 * `ourSentBy`: every Via sent-by of this node ("host:port").
 */
export function hopRefusal(request: SipRequest, ourSentBy: string[]): { status: 482 | 483; reason: string } | undefined {
  if (maxForwards(request.headers) <= 0) return { status: 483, reason: 'Max-Forwards exhausted' };
  // Our Via below the sender's: it has been through this node before. A loop, as spirals
  // do not happen here (retargeting is done inside one node, not by sending back to ourselves).
  const ours = new Set(ourSentBy.map((s) => s.toLowerCase()));
  const vias = request.headers.getAll('via').flatMap((value) => parseVia(value) ?? []);
  const looped = vias.slice(1).some((via) => ours.has(`${via.host}:${via.port ?? 5060}`) && via.params.branch?.startsWith('z9hG4bK'));
  if (looped) return { status: 482, reason: 'loop detected' };
  return undefined;
}

/**
 * The one place a relayed request's hop headers change (RFC 3261 §16.6
 * step 3): Max-Forwards goes down by one (added when missing), and
 * credentials for our realm end here (§22.3): none ever leave the softswitch.
 */
export function stampHop(headers: Headers): void {
  headers.set('Max-Forwards', String(Math.max(0, maxForwards(headers) - 1)));
  headers.remove('authorization');
  headers.remove('proxy-authorization');
}

/** The request's Max-Forwards (DEFAULT + 1 when missing, so the copy gets DEFAULT; 0 when unreadable). */
function maxForwards(headers: Headers): number {
  const value = headers.get('max-forwards');
  if (value === undefined) return DEFAULT_MAX_FORWARDS + 1;
  const n = Number(value.trim());
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

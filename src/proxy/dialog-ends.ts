import { randomBytes } from 'node:crypto';
import { Headers, SipRequest, type SipResponse } from '../core/messages/index.js';
import type { Destination, Source } from '../core/transport/transport.js';
import type { LocalIdentity } from './record-route.js';

/**
 * One end of a dialog this proxy record-routes, as far as the proxy must know
 * it to speak in the dialog itself (RFC 3261 §12): when both ends vanished it
 * sends each a BYE, and probes them with OPTIONS, as the other end would.
 */
export interface DialogEnd {
  /** Its remote target: the Contact it gave. */
  target: string;
  /** The route set beyond us towards it (other proxies' Record-Route), in order. */
  routes: string[];
  /** Where we reach it: its flow (the address or connection it spoke from), or the next proxy. */
  destination: Destination;
  /** Its own identity with its tag, as it knows the dialog (our To). */
  self: string;
  /** The other party with its tag, as it knows the dialog (our From). */
  peer: string;
  /** The highest CSeq of the requests it got from the other party. */
  peerCSeq: number;
}

export interface Dialog {
  callId: string;
  /** The caller's From tag, which tells the direction of a request inside the dialog. */
  callerTag: string;
  caller: DialogEnd;
  callee: DialogEnd;
}

/**
 * The dialog an INVITE's 2xx set up (RFC 3261 §12.1): the caller's side from
 * the INVITE as it came (`received`, from `source`), the callee's from the
 * INVITE as we forwarded it (`forwarded`, to `destination`) and its 2xx
 * (before anything of it is changed for the caller). Undefined when either
 * end gave no Contact.
 */
export function dialogOf(
  received: SipRequest,
  source: Source,
  forwarded: SipRequest,
  destination: Destination,
  answer: SipResponse,
  identity: Pick<LocalIdentity, 'isMine'>,
): Dialog | undefined {
  const callerContact = contactUri(received);
  const calleeContact = contactUri(answer);
  const calleeTag = answer.toTag();
  const from = received.headers.get('from');
  const to = received.headers.get('to');
  const calleeSelf = answer.headers.get('to');
  const calleePeer = forwarded.headers.get('from');
  if (!callerContact || !calleeContact || !calleeTag || !from || !to || !calleeSelf || !calleePeer) return undefined;
  // Record-Route in the 2xx: the callee's side first, then ours, then the caller's side.
  const recordRoute = answer.headers.getList('record-route');
  const ours = recordRoute.map((entry) => identity.isMine(entry));
  const first = ours.indexOf(true);
  const last = ours.lastIndexOf(true);
  const { transport, address, port, connectionId } = source;
  return {
    callId: received.headers.get('call-id') ?? '',
    callerTag: received.fromTag(),
    caller: {
      target: callerContact,
      routes: last < 0 ? [] : recordRoute.slice(last + 1),
      destination: { transport, address, port, ...(connectionId !== undefined ? { connectionId } : {}) },
      self: from,
      peer: `${to};tag=${calleeTag}`,
      peerCSeq: 0,
    },
    callee: {
      target: calleeContact,
      routes: first < 0 ? [] : recordRoute.slice(0, first).reverse(),
      destination,
      self: calleeSelf,
      peer: calleePeer,
      peerCSeq: forwarded.cseq()?.seq ?? 0,
    },
  };
}

/** A request inside the dialog from one end came through: the other end's CSeq moves on. */
export function noteRequest(dialog: Dialog, fromTag: string, cseq: number): void {
  const to = fromTag === dialog.callerTag ? dialog.callee : dialog.caller;
  to.peerCSeq = Math.max(to.peerCSeq, cseq);
}

/**
 * A request of our own to one end, as the other end would send it. A BYE
 * takes the next CSeq (the dialog ends with it). An OPTIONS probe keeps the
 * last one, so no later request of the real dialog can look out of order
 * (the end may answer 500 to it, which still says it holds the dialog).
 */
export function dialogRequest(
  dialog: Dialog,
  to: DialogEnd,
  method: 'BYE' | 'OPTIONS',
  sentBy: string,
  reason?: string,
): { request: SipRequest; branch: string } {
  const cseq = method === 'BYE' ? to.peerCSeq + 1 : Math.max(1, to.peerCSeq);
  if (method === 'BYE') to.peerCSeq = cseq;
  const branch = `z9hG4bK-dlg.${randomBytes(8).toString('hex')}`;
  const headers = new Headers([
    ['Via', `SIP/2.0/${to.destination.transport} ${sentBy};branch=${branch};rport`],
    ['Max-Forwards', '70'],
    ...to.routes.map((route): [string, string] => ['Route', route]),
    ['From', to.peer],
    ['To', to.self],
    ['Call-ID', dialog.callId],
    ['CSeq', `${cseq} ${method}`],
    ...(reason ? [['Reason', `SIP;cause=408;text="${reason.replace(/["\\]/g, '')}"`] as [string, string]] : []),
    ['Content-Length', '0'],
  ]);
  return { request: new SipRequest(method, to.target, headers), branch };
}

/** The one Contact URI of a dialog-creating message (sip: or sips:). */
function contactUri(message: SipRequest | SipResponse): string | undefined {
  const contacts = message.contacts();
  const uri = contacts === '*' || !contacts ? undefined : contacts[0]?.uri;
  return uri && /^sips?:/i.test(uri) ? uri : undefined;
}

import type { SipMessage, SipRequest } from '../core/messages/index.js';

/**
 * RFC 4028 session timers as a proxy sees them (§8): the headers read and,
 * on the way through, the one change a proxy may make to an INVITE.
 */

/** Session-Expires: the interval in seconds and who refreshes; undefined when absent or unreadable. */
export function sessionExpires(message: SipMessage): { seconds: number; refresher?: 'uac' | 'uas' } | undefined {
  const value = message.headers.get('session-expires');
  const match = value ? /^\s*(\d{1,10})\s*(;.*)?$/.exec(value) : null;
  if (!match) return undefined;
  const refresher = /;\s*refresher\s*=\s*(uac|uas)\b/i.exec(match[2] ?? '')?.[1]?.toLowerCase();
  return { seconds: Number(match[1]), ...(refresher === 'uac' || refresher === 'uas' ? { refresher } : {}) };
}

/** Min-SE in seconds (0 when absent). */
export function minSessionExpires(message: SipMessage): number {
  const match = /^\s*(\d{1,10})/.exec(message.headers.get('min-se') ?? '');
  return match ? Number(match[1]) : 0;
}

/** Whether the sender lists `timer` in Supported (or Require). */
export function supportsTimer(message: SipMessage): boolean {
  return [...message.headers.getList('supported'), ...message.headers.getList('require')].some((t) => t.trim().toLowerCase() === 'timer');
}

/**
 * RFC 4028 §8.1: a proxy may ask for a session timer on an INVITE whose
 * caller supports it: it inserts Session-Expires when there is none, or
 * lowers one larger than ours, never below the request's Min-SE (which it
 * raises to ours when lower). Returns the interval now asked for, if any.
 */
export function askForSessionTimer(request: SipRequest, ours: { seconds: number; minSeconds: number }): number | undefined {
  const asked = sessionExpires(request);
  if (!supportsTimer(request)) return asked?.seconds;
  if (asked && asked.seconds <= ours.seconds) return asked.seconds;
  const seconds = Math.max(ours.seconds, minSessionExpires(request));
  const refresher = asked?.refresher ? `;refresher=${asked.refresher}` : '';
  request.headers.set('Session-Expires', `${seconds}${refresher}`);
  if (minSessionExpires(request) < ours.minSeconds) request.headers.set('Min-SE', String(ours.minSeconds));
  return seconds;
}

/**
 * RFC 4028 §8.2: a 2xx to a request that asked for a session timer, from a
 * caller that supports them, but without Session-Expires (the callee does not
 * do timers): the proxy puts it in with `refresher=uac` and `Require: timer`,
 * so the caller refreshes. Returns the session interval the answer sets, if any.
 */
export function sessionOfAnswer(request: SipRequest, response: SipMessage): number | undefined {
  const answered = sessionExpires(response);
  if (answered) return answered.seconds;
  const asked = sessionExpires(request);
  if (!asked || !supportsTimer(request)) return undefined;
  response.headers.set('Session-Expires', `${asked.seconds};refresher=uac`);
  response.headers.append('Require', 'timer');
  return asked.seconds;
}

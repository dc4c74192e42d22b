import type { TransitionTable } from './state-machine.js';

/**
 * The four RFC 3261 §17 transaction state machines (figures 5-8), with the
 * Accepted state RFC 6026 adds to both INVITE transactions. Each row lists the
 * only events allowed in that state; anything else is refused.
 */

/** Events of a client transaction: responses by class, its timers, and the TU giving up. */
export type ClientEvent = '1xx' | '2xx' | 'failure' | 'timeout' | 'linger-end' | 'abort';
export type InviteClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type ClientTransactionState = InviteClientState | NonInviteClientState;

/** Figure 5 + RFC 6026 §7.2. `timeout` is Timer B; `linger-end` is Timer D (Completed) or Timer M (Accepted). */
export const INVITE_CLIENT: TransitionTable<InviteClientState, ClientEvent> = {
  calling: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
  // Timer B keeps running in Proceeding: a branch that rings forever with no final still ends.
  proceeding: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
  completed: { failure: 'completed', 'linger-end': 'terminated', abort: 'terminated' },
  accepted: { '2xx': 'accepted', 'linger-end': 'terminated', abort: 'terminated' },
  terminated: {},
};

/** Figure 6. `timeout` is Timer F; `linger-end` is Timer K. */
export const NON_INVITE_CLIENT: TransitionTable<NonInviteClientState, ClientEvent> = {
  trying: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
  proceeding: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
  completed: { 'linger-end': 'terminated', abort: 'terminated' },
  terminated: {},
};

/** Events of a server transaction: responses from the TU by class, the ACK, its timers, shutdown. */
export type ServerEvent = '1xx' | '2xx' | 'failure' | 'ack' | 'timer-h' | 'timer-i' | 'timer-j' | 'timer-l' | 'close';
export type InviteServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';
export type ServerTransactionState = InviteServerState | NonInviteServerState;

/** Figure 7 + RFC 6026 §7.1. */
export const INVITE_SERVER: TransitionTable<InviteServerState, ServerEvent> = {
  proceeding: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', close: 'terminated' },
  completed: { ack: 'confirmed', 'timer-h': 'terminated', close: 'terminated' },
  confirmed: { 'timer-i': 'terminated', close: 'terminated' },
  accepted: { 'timer-l': 'terminated', close: 'terminated' },
  terminated: {},
};

/** Figure 8. */
export const NON_INVITE_SERVER: TransitionTable<NonInviteServerState, ServerEvent> = {
  trying: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', close: 'terminated' },
  proceeding: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', close: 'terminated' },
  completed: { 'timer-j': 'terminated', close: 'terminated' },
  terminated: {},
};

/** The event a response of `status` is, by class. */
export function responseEvent(status: number): '1xx' | '2xx' | 'failure' {
  return status < 200 ? '1xx' : status < 300 ? '2xx' : 'failure';
}

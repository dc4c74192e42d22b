import t, { type Test } from 'tap';
import { transition, type TransitionTable } from '../../../src/core/transactions/state-machine.js';
import {
  INVITE_CLIENT,
  INVITE_SERVER,
  NON_INVITE_CLIENT,
  NON_INVITE_SERVER,
  type ClientEvent,
  type ServerEvent,
} from '../../../src/core/transactions/states.js';

/**
 * Every state x event of the four transaction machines against the arrows of
 * RFC 3261 figures 5-8 (with RFC 6026's Accepted state): an arrow drawn is the
 * move named here, anything not drawn is refused (undefined). `abort` (the TU
 * gives up, or the transport failed) and `close` (shutdown) end any live state.
 */
const CLIENT_EVENTS: ClientEvent[] = ['1xx', '2xx', 'failure', 'timeout', 'linger-end', 'abort'];
const SERVER_EVENTS: ServerEvent[] = ['1xx', '2xx', 'failure', 'ack', 'timer-h', 'timer-i', 'timer-j', 'timer-l', 'close'];

function matrix<S extends string, E extends string>(t: Test, table: TransitionTable<S, E>, events: E[], drawn: Record<S, Partial<Record<E, S>>>): void {
  t.same(Object.keys(table).sort(), Object.keys(drawn).sort(), 'the states of the figure');
  for (const from of Object.keys(drawn) as S[]) {
    for (const event of events) {
      t.equal(transition(table, from, event), drawn[from][event], `${from} --${event}--> ${drawn[from][event] ?? '(refused)'}`);
    }
  }
}

t.test('figure 5 + RFC 6026 §7.2: INVITE client transaction', async (t) => {
  matrix(t, INVITE_CLIENT, CLIENT_EVENTS, {
    // Calling: 1xx -> Proceeding, 2xx -> Accepted (RFC 6026), 300-699 -> Completed, Timer B -> Terminated.
    calling: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
    // Proceeding: the same responses; Timer B keeps running here on this node (a branch that rings forever ends).
    proceeding: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
    // Completed: a 300-699 copy stays (ACKed again), Timer D -> Terminated; no 1xx or 2xx after a failure.
    completed: { failure: 'completed', 'linger-end': 'terminated', abort: 'terminated' },
    // Accepted: each 2xx copy stays (passed up), Timer M -> Terminated; no Timer B any more.
    accepted: { '2xx': 'accepted', 'linger-end': 'terminated', abort: 'terminated' },
    terminated: {},
  });
});

t.test('figure 6: non-INVITE client transaction', async (t) => {
  matrix(t, NON_INVITE_CLIENT, CLIENT_EVENTS, {
    trying: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
    proceeding: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', timeout: 'terminated', abort: 'terminated' },
    // Completed: response copies are absorbed without a move; Timer K -> Terminated.
    completed: { 'linger-end': 'terminated', abort: 'terminated' },
    terminated: {},
  });
});

t.test('figure 7 + RFC 6026 §7.1: INVITE server transaction', async (t) => {
  matrix(t, INVITE_SERVER, SERVER_EVENTS, {
    proceeding: { '1xx': 'proceeding', '2xx': 'accepted', failure: 'completed', close: 'terminated' },
    // Completed: the ACK -> Confirmed, Timer H -> Terminated.
    completed: { ack: 'confirmed', 'timer-h': 'terminated', close: 'terminated' },
    // Confirmed: Timer I -> Terminated.
    confirmed: { 'timer-i': 'terminated', close: 'terminated' },
    // Accepted: Timer L -> Terminated (the 2xx ACK is no event of the transaction).
    accepted: { 'timer-l': 'terminated', close: 'terminated' },
    terminated: {},
  });
});

t.test('figure 8: non-INVITE server transaction', async (t) => {
  matrix(t, NON_INVITE_SERVER, SERVER_EVENTS, {
    trying: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', close: 'terminated' },
    proceeding: { '1xx': 'proceeding', '2xx': 'completed', failure: 'completed', close: 'terminated' },
    // Completed: Timer J -> Terminated.
    completed: { 'timer-j': 'terminated', close: 'terminated' },
    terminated: {},
  });
});

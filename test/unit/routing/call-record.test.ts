import t from 'tap';
import { finishRecord, partyRefs, unansweredOutcome } from '../../../src/routing/call-record.js';
import type { OpenCallRecord } from '../../../src/store/cdr-store.js';

const open: OpenCallRecord = {
  callId: 'c',
  node: 'n',
  startedAt: '2026-11-21T01:00:00.000Z',
  origin: { kind: 'line', name: 'alice' },
  callingNumber: '0311110001',
  presentation: 'presented',
  calledNumber: '0322220001',
  delivered: { kind: 'line', name: 'bob', number: '0322220009' },
  decisions: [],
  forwards: [
    { from: '0322220001', to: '0322220005', reason: 'user-busy' },
    { from: '0322220005', to: '0322220009', reason: 'no-answer' },
  ],
};

t.test('the parties: calling line with its number, called number, each forwarder, delivered line', async (t) => {
  t.same(partyRefs(open), [
    { role: 'caller', sipId: 'alice', number: '0311110001' },
    { role: 'called', number: '0322220001' },
    { role: 'forwarder', number: '0322220001' },
    { role: 'forwarder', number: '0322220005' },
    { role: 'delivered', sipId: 'bob', number: '0322220009' },
  ]);
  t.same(
    partyRefs({ ...open, origin: { kind: 'peer', name: 'pstn' }, forwards: [], delivered: { kind: 'route', name: 'r1' } }),
    [{ role: 'called', number: '0322220001' }],
    'a peer and a route are not customer parties',
  );
});

t.test('duration counts from the answer', async (t) => {
  const end = { status: 200, outcome: 'answered' as const, endedBy: 'caller' as const, endReason: 'BYE', endedAt: Date.parse('2026-11-21T01:01:10.400Z') };
  t.equal(finishRecord({ ...open, answeredAt: '2026-11-21T01:00:10.000Z' }, end, []).durationSeconds, 60);
  t.equal(finishRecord(open, { ...end, status: 486 }, []).durationSeconds, 0, 'unanswered: 0');
  const r = finishRecord(open, { ...end, closedBy: 'node-b' }, []);
  t.equal(r.endedAt, '2026-11-21T01:01:10.400Z');
  t.equal(r.closedBy, 'node-b');
});

t.test('the outcome of an unanswered call', async (t) => {
  t.equal(unansweredOutcome(480, 'no-answer'), 'no-answer', 'the failure the router saw wins');
  t.equal(unansweredOutcome(480, 'unreachable'), 'unavailable');
  t.equal(unansweredOutcome(603, 'rejected'), 'rejected');
  t.equal(unansweredOutcome(486, undefined), 'busy');
  t.equal(unansweredOutcome(600, undefined), 'busy');
  t.equal(unansweredOutcome(408, undefined), 'unavailable');
  t.equal(unansweredOutcome(433, undefined), 'rejected');
  t.equal(unansweredOutcome(503, undefined), 'failed');
  t.equal(unansweredOutcome(603, undefined), 'rejected', 'a 6xx is a refusal, not a failure');
  t.equal(unansweredOutcome(0, undefined), 'failed', 'no final answer known');
});

// Call records, edges (docs/operations.md, call records): the parties carry a
// number only when one is known, a call without a called number has no called
// party, how the router saw the last offer fail wins over the final status, and
// the final statuses at the edges of their classes.
import t from 'tap';
import { finishRecord, partyRefs, unansweredOutcome } from '../../../src/routing/call-record.js';
import type { OpenCallRecord } from '../../../src/store/cdr-store.js';

const open: OpenCallRecord = {
  callId: 'c',
  node: 'n',
  startedAt: '2026-11-21T01:00:00.000Z',
  origin: { kind: 'line', name: 'alice' },
  presentation: 'presented',
  calledNumber: '0322220001',
  delivered: { kind: 'line', name: 'bob' },
  decisions: [],
  forwards: [],
};

t.test('a line without a known number is a party by its SIP-ID alone', async (t) => {
  t.strictSame(partyRefs(open), [
    { role: 'caller', sipId: 'alice' },
    { role: 'called', number: '0322220001' },
    { role: 'delivered', sipId: 'bob' },
  ]);
});

t.test('no called number (nothing dialled could be read): no called party', async (t) => {
  t.strictSame(partyRefs({ ...open, calledNumber: '', delivered: undefined }), [{ role: 'caller', sipId: 'alice' }]);
});

t.test('closedBy only when another node closed the record', async (t) => {
  const end = { status: 486, outcome: 'busy' as const, endedBy: 'callee' as const, endReason: '486 Busy Here', endedAt: Date.parse('2026-11-21T01:00:05Z') };
  const record = finishRecord(open, end, []);
  t.notOk('closedBy' in record, 'closed by the node that carried the call: no closedBy');
  t.equal(record.status, 486);
  t.equal(record.outcome, 'busy');
});

t.test('the failure the router saw decides over the final status', async (t) => {
  // e.g. busy: no free channel on the line, answered with our own 486 or a later status.
  t.equal(unansweredOutcome(0, 'busy'), 'busy');
  t.equal(unansweredOutcome(503, 'busy'), 'busy');
  t.equal(unansweredOutcome(0, 'unreachable'), 'unavailable');
  t.equal(unansweredOutcome(503, 'unreachable'), 'unavailable');
  t.equal(unansweredOutcome(503, 'rejected'), 'rejected');
  t.equal(unansweredOutcome(486, 'rejected'), 'rejected');
  t.equal(unansweredOutcome(503, 'no-answer'), 'no-answer');
});

t.test('from the final status alone: 480 unavailable, the 5xx class from 500 on', async (t) => {
  t.equal(unansweredOutcome(480, undefined), 'unavailable');
  t.equal(unansweredOutcome(500, undefined), 'failed');
  t.equal(unansweredOutcome(599, undefined), 'failed');
  t.equal(unansweredOutcome(499, undefined), 'rejected');
});

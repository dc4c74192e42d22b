import t from 'tap';
import { callOutcome } from '../../../src/routing/call-outcome.js';

t.test('final statuses fold into the outcomes counted', async (t) => {
  const cases: Array<[number, string]> = [
    [200, 'answered'],
    [202, 'answered'],
    [486, 'busy'],
    [600, 'busy'],
    [487, 'cancelled'],
    [408, 'no_answer'],
    [480, 'no_answer'],
    [404, 'not_found'],
    [484, 'not_found'],
    [604, 'not_found'],
    [403, 'rejected'],
    [433, 'rejected'],
    [603, 'rejected'],
    [500, 'failed'],
    [503, 'failed'],
    // The range edges.
    [199, 'rejected'],
    [299, 'answered'],
    [300, 'rejected'],
    [499, 'rejected'],
    [599, 'failed'],
  ];
  for (const [status, outcome] of cases) t.equal(callOutcome(status), outcome, `${status} -> ${outcome}`);
});

import t from 'tap';
import { operationCsv } from '../../../src/api/resources/bulk-results.js';

// The per-number result of a bulk start/stop as CSV (docs/product.md §4.4).

t.test('one row per number: number, result, reason (empty when done)', async (t) => {
  const csv = operationCsv({
    operation: 'start',
    status: 'done',
    account: 'site-one',
    startedAt: 0,
    finishedAt: 1,
    results: [
      { number: '0311110001', result: 'done' },
      { number: '0311110002', result: 'error', why: 'no bulk forwarding destination in slot 5' },
    ],
  });
  t.equal(csv, 'number,result,reason\r\n0311110001,done,\r\n0311110002,error,no bulk forwarding destination in slot 5\r\n');
});

t.test('no results (a failed operation): the header line only', async (t) => {
  t.equal(operationCsv({ operation: 'stop', status: 'failed', account: 'x', startedAt: 0, results: [] }), 'number,result,reason\r\n');
});

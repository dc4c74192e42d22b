import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../../src/log.js';
import { RefusalLog } from '../../../src/proxy/refusal-log.js';

function capture(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', stream) };
}

t.test('first refusal per source logged, the rest counted into one summary per interval', async (t) => {
  const { lines, log } = capture();
  const refusals = new RefusalLog(log, 'security.test_refused', 30);
  for (let i = 0; i < 50; i++) refusals.record({ address: '127.0.0.9', port: 5000, reason: 'forged' });
  refusals.record({ address: '127.0.0.9', port: 5001, reason: 'forged' });
  t.equal(refusals.count, 51);
  await new Promise((resolve) => setTimeout(resolve, 80));
  const single = lines.filter((l) => l.event === 'security.test_refused');
  t.same(
    single.map((l) => `${String(l.address)}:${String(l.port)}`),
    ['127.0.0.9:5000', '127.0.0.9:5001'],
    'one line per source',
  );
  const summaries = lines.filter((l) => l.event === 'security.refusals_summary');
  t.equal(summaries.length, 1);
  t.match(summaries[0], { of: 'security.test_refused', suppressed: 49, total: 51 });
  refusals.record({ address: '127.0.0.9', port: 5000, reason: 'forged' });
  t.equal(lines.filter((l) => l.event === 'security.test_refused').length, 3, 'a new interval logs the source again');
});

t.test('many sources: at most 20 lines per interval', async (t) => {
  const { lines, log } = capture();
  const refusals = new RefusalLog(log, 'security.test_refused', 30);
  for (let i = 0; i < 100; i++) refusals.record({ address: '127.0.0.9', port: 6000 + i, reason: 'forged' });
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.equal(lines.filter((l) => l.event === 'security.test_refused').length, 20);
  t.match(
    lines.find((l) => l.event === 'security.refusals_summary'),
    { suppressed: 80 },
  );
});

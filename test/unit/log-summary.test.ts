import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/log.js';
import { LogSummariser, MANY_SOURCES, RepeatCounter, type Occurrence } from '../../src/log-summary.js';

const malformed = (address: string, distinct: Record<string, string> = {}): Occurrence => ({ level: 'warn', event: 'sip.malformed', address, distinct });

t.test('the first from a source is logged, repeats are counted and summarised once per interval', async (t) => {
  const c = new RepeatCounter({ intervalMs: 10_000 });
  t.same(c.record(malformed('10.0.0.1'), 0), { log: true, evicted: [] }, 'first: logged');
  for (let i = 1; i <= 4; i++) t.equal(c.record(malformed('10.0.0.1'), i * 1000).log, false, `repeat ${i}: counted`);
  t.same(c.due(9_999), [], 'nothing before the interval is over');
  t.same(c.due(10_000), [{ level: 'warn', of: 'sip.malformed', address: '10.0.0.1', distinct: {}, count: 4, seconds: 10 }]);
  t.same(c.due(10_500), [], 'the count was reset');
  c.record(malformed('10.0.0.1'), 12_000);
  c.record(malformed('10.0.0.1'), 13_000);
  t.same(
    c.due(20_000).map((s) => s.count),
    [2],
    'the next window has its own count',
  );
});

t.test('a source quiet for a whole interval is forgotten; its next event is logged in full again', async (t) => {
  const c = new RepeatCounter({ intervalMs: 10_000 });
  c.record(malformed('10.0.0.1'), 0);
  t.same(c.due(10_000), [], 'no repeats: no summary');
  t.equal(c.size, 0, 'forgotten');
  t.equal(c.record(malformed('10.0.0.1'), 30_000).log, true);
  // Even without a due() in between, a whole quiet window means a new episode.
  const d = new RepeatCounter({ intervalMs: 10_000 });
  d.record(malformed('10.0.0.2'), 0);
  t.equal(d.record(malformed('10.0.0.2'), 15_000).log, true);
});

t.test('sources, events and distinct fields are counted apart', async (t) => {
  const c = new RepeatCounter();
  t.equal(c.record(malformed('10.0.0.1'), 0).log, true);
  t.equal(c.record(malformed('10.0.0.2'), 0).log, true, 'another address');
  t.equal(c.record({ ...malformed('10.0.0.1'), event: 'auth.failed' }, 0).log, true, 'another event');
  t.equal(c.record(malformed('10.0.0.1', { why: 'bad CSeq' }), 0).log, true, 'another distinct value');
  t.equal(c.record(malformed('10.0.0.1', { why: 'bad CSeq' }), 1).log, false, 'same distinct value: counted');
  const [summary] = c.due(10_000);
  t.same(summary?.distinct, { why: 'bad CSeq' }, 'the summary names the distinct value');
});

t.test('memory is bounded: past maxKeys the least recently seen is forgotten, its count summarised', async (t) => {
  const c = new RepeatCounter({ maxKeys: 3, maxNewPerInterval: 1000 });
  c.record(malformed('10.0.0.1'), 0);
  c.record(malformed('10.0.0.1'), 1); // 10.0.0.1 has a pending count of 1
  c.record(malformed('10.0.0.2'), 2);
  c.record(malformed('10.0.0.3'), 3);
  c.record(malformed('10.0.0.2'), 4); // seen again, so 10.0.0.1 is now the least recently seen
  const { log, evicted } = c.record(malformed('10.0.0.4'), 2000);
  t.equal(log, true);
  t.same(evicted, [{ level: 'warn', of: 'sip.malformed', address: '10.0.0.1', distinct: {}, count: 1, seconds: 2 }], 'its count is not lost');
  t.equal(c.size, 3);
  // A scanner spraying addresses never grows it past the cap.
  for (let i = 0; i < 10_000; i++) c.record(malformed(`10.1.${i >> 8}.${i & 255}`), 3000);
  t.equal(c.size, 3);
});

t.test('a spray of new sources: a limited number logged in full per interval, the rest counted under *', async (t) => {
  const c = new RepeatCounter({ maxNewPerInterval: 5, intervalMs: 10_000 });
  const logged = Array.from({ length: 50 }, (_, i) => c.record(malformed(`10.2.0.${i}`), 100).log).filter(Boolean).length;
  t.equal(logged, 5);
  const many = c.due(10_100).find((s) => s.address === MANY_SOURCES);
  t.equal(many?.count, 45, 'the other 45 are in one summary');
  t.equal(c.record(malformed('10.3.0.1'), 10_200).log, true, 'a new interval allows new sources again');
});

t.test('drain: every pending count, on shutdown', async (t) => {
  const c = new RepeatCounter();
  c.record(malformed('10.0.0.1'), 0);
  c.record(malformed('10.0.0.1'), 1);
  c.record(malformed('10.0.0.2'), 2);
  t.same(
    c.drain(3000).map((s) => [s.address, s.count]),
    [['10.0.0.1', 1]],
  );
  t.equal(c.size, 0);
});

/** A real pino logger writing into an array. */
function capture(): { lines: Array<Record<string, unknown>>; log: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { lines, log: createLogger('info', sink) };
}

t.test('LogSummariser logs through pino: the first in full, then log.suppressed with of, address, count', async (t) => {
  const { lines, log } = capture();
  let now = 0;
  const summary = new LogSummariser(log, { intervalMs: 10_000, now: () => now });
  t.teardown(() => summary.close());
  for (let i = 0; i < 1000; i++) {
    now = i;
    summary.warn({ event: 'auth.failed', address: '10.0.0.9', sipId: 'bob', reason: 'wrong password', port: 5000 + i }, 'failed', ['sipId', 'reason']);
  }
  summary.warn({ event: 'auth.failed', address: '10.0.0.9', sipId: 'carol', reason: 'wrong password' }, 'failed', ['sipId', 'reason']);
  now = 10_000;
  summary.flush();
  await new Promise((resolve) => setImmediate(resolve));
  const failed = lines.filter((l) => l.event === 'auth.failed');
  t.same(
    failed.map((l) => [l.sipId, l.port]),
    [
      ['bob', 5000],
      ['carol', undefined],
    ],
    'one full line per SIP-ID',
  );
  t.equal(failed[0]?.level, 'warn');
  const suppressed = lines.filter((l) => l.event === 'log.suppressed');
  t.equal(suppressed.length, 1);
  t.match(suppressed[0], { level: 'warn', of: 'auth.failed', address: '10.0.0.9', sipId: 'bob', reason: 'wrong password', count: 999, intervalSeconds: 10 });
});

t.test('LogSummariser.close logs what is still pending', async (t) => {
  const { lines, log } = capture();
  const summary = new LogSummariser(log, { now: () => 0 });
  summary.info({ event: 'api.refused', address: '127.0.0.1' }, 'refused');
  summary.info({ event: 'api.refused', address: '127.0.0.1' }, 'refused');
  summary.close();
  await new Promise((resolve) => setImmediate(resolve));
  t.same(
    lines.map((l) => [l.event, l.count]),
    [
      ['api.refused', undefined],
      ['log.suppressed', 1],
    ],
  );
});

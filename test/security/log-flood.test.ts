import t from 'tap';
import { RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import type { LogLine } from '../helpers/server-process.js';
import { startStack } from '../helpers/test-stack.js';

/**
 * Attack: flood the server with malformed packets so that its log drowns
 * (and the one line that matters scrolls away). 5,000 bad datagrams from one
 * source must leave a handful of lines: the first in full, then
 * `log.suppressed` lines whose counts add up to the rest. The server must
 * still answer afterwards. Each datagram gets a 400, and the client waits for
 * them batch by batch, so every datagram is known to have been processed
 * (loopback, bounded: nothing is lost to a full socket buffer).
 */
const DOMAIN = 'test.example';
const FLOOD = 5000;
const BATCH = 100;
const INTERVAL_S = 2;

const stack = await startStack({ logSummaryInterval: INTERVAL_S });
t.teardown(() => stack.stop());
const { server, config } = stack;
const udp = await RawSipClient.open('udp', { port: config.port });
t.teardown(() => udp.close());

/** A request the parser rejects (bad CSeq) but can still answer with 400. */
const malformed = (i: number) =>
  udp.buildRequest('OPTIONS', `sip:${DOMAIN}`, [
    ['From', `<sip:flood@${DOMAIN}>;tag=f${i}`],
    ['To', `<sip:${DOMAIN}>`],
    ['Call-ID', `flood-${i}-${randomToken(3)}`],
    ['CSeq', 'abc OPTIONS'],
  ]);

t.test(`${FLOOD} malformed datagrams from one source leave a handful of log lines`, async (t) => {
  const since = server.mark();
  for (let sent = 0; sent < FLOOD; sent += BATCH) {
    const before = udp.received.length;
    for (let i = sent; i < sent + BATCH; i++) udp.sendRaw(malformed(i));
    // Wait for this batch's answers (the last one is enough: UDP on loopback keeps order).
    await udp.waitFor((m) => m.status === 400 && m.header('from')?.endsWith(`tag=f${sent + BATCH - 1}`) === true, { since: before, timeoutMs: 10_000 });
  }
  const answered = udp.received.filter((m) => m.status === 400).length;
  t.equal(answered, FLOOD, 'every datagram was processed (answered 400)');

  // The counts arrive with the next summaries: wait until they add up.
  const mine = (l: LogLine) => l.address === '127.0.0.1';
  const summarised = () => server.events('log.suppressed', since).filter((l) => l.of === 'sip.malformed' && mine(l));
  const total = () => summarised().reduce((n, l) => n + Number(l.count), 0);
  const deadline = Date.now() + (INTERVAL_S * 4 + 10) * 1000;
  while (total() < FLOOD - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));

  const full = server.events('sip.malformed', since).filter(mine);
  t.equal(full.length, 1, 'the first is logged in full');
  t.match(full[0], { transport: 'UDP', why: /CSeq/ });
  t.equal(total(), FLOOD - 1, 'the summaries count every other one: none dropped silently');
  for (const line of summarised()) {
    t.match(line, { level: 'warn', of: 'sip.malformed', address: '127.0.0.1', transport: 'UDP', intervalSeconds: Number });
  }
  const lines = server.lines.length - since;
  t.ok(lines <= 15, `a handful of log lines for ${FLOOD} bad packets (got ${lines})`);
});

t.test('the server still answers a valid OPTIONS afterwards', async (t) => {
  const res = await udp.request(
    udp.buildRequest('OPTIONS', `sip:${DOMAIN}`, [
      ['From', `<sip:probe@${DOMAIN}>;tag=${randomToken()}`],
      ['To', `<sip:${DOMAIN}>`],
      ['Call-ID', `${randomToken()}@probe`],
      ['CSeq', '1 OPTIONS'],
    ]),
  );
  t.equal(res.status, 200);
});

import t from 'tap';
import { scrapeMetrics, type Scrape } from '../helpers/metrics-scrape.js';
import { DigestUa, RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { provision, ServerProcess, writeServerConfig } from '../helpers/server-process.js';
import { testProvisioning, TEST_LINES } from '../helpers/test-stack.js';

/**
 * What an outsider can do to /metrics through SIP, against the real server:
 * requests with invented methods, random SIP-IDs, Call-IDs, numbers and
 * garbage create no new series (the label sets are fixed), and nothing they
 * sent — nor any SIP-ID, password, number or address — shows up in the
 * exposition text.
 */
const DOMAIN = 'test.example';
const { alice } = TEST_LINES;

const redis = await startTestRedis();
t.teardown(() => redis.stop());
const config = await writeServerConfig({ redisUrl: redis.url, domain: DOMAIN, algorithms: ['MD5', 'SHA-256'] });
await provision(config, testProvisioning());
const server = await ServerProcess.start(config);
t.teardown(() => server.stop());

/** Every series (name and labels) the node exports from the softswitch_ metrics. */
function seriesOf(s: Scrape): string[] {
  return s.families
    .filter((f) => f.name.startsWith('softswitch_'))
    .flatMap((f) => (f.type === 'HISTOGRAM' ? [f.name] : f.metrics.map((m) => `${f.name}${JSON.stringify(m.labels ?? {})}`)));
}

/** One round of hostile traffic, every value in it fresh. */
async function attack(udp: RawSipClient, rounds: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < rounds; i++) {
    const token = randomToken();
    const callId = `${token}@evil`;
    const user = `u${token}`;
    const number = `0901${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    sent.push(callId, user, number);
    const method = `X${token.toUpperCase()}`;
    await udp.request(
      udp.buildRequest(method, `sip:${number}@${DOMAIN}`, [
        ['From', `<sip:${user}@${DOMAIN}>;tag=${token}`],
        ['To', `<sip:${number}@${DOMAIN}>`],
        ['Call-ID', callId],
        ['CSeq', `1 ${method}`],
      ]),
    );
    // A REGISTER guessing a password for a SIP-ID that does not exist.
    const ua = new DigestUa(udp, { user, password: `pw-${token}`, domain: DOMAIN });
    await ua.register({ contacts: [ua.contact()], expires: 600 });
    udp.sendRaw(`${token} garbage ${number}\r\n\r\n`);
  }
  return sent;
}

t.test('hostile SIP traffic adds no series, and nothing it carried appears in /metrics', async (t) => {
  const udp = await RawSipClient.open('udp', { port: config.port });
  t.teardown(() => udp.close());
  // A real registration first: a SIP-ID and password that must never appear either.
  const real = new DigestUa(udp, { user: alice.sipId, password: alice.password, domain: DOMAIN });
  t.equal((await real.register({ contacts: [real.contact()], expires: 600 })).status, 200);

  await attack(udp, 3); // every fixed series these requests touch now exists
  const first = await scrapeMetrics(config.metricsPort);
  const sent = await attack(udp, 20);
  const text = await (await fetch(`http://127.0.0.1:${config.metricsPort}/metrics`)).text();
  const second = await scrapeMetrics(config.metricsPort);

  t.same(seriesOf(second), seriesOf(first), '20 more rounds of fresh values: the same series');
  t.ok(second.value('softswitch_auth_failures_total', { method: 'REGISTER', reason: 'unknown_sip_id' }) >= 23, 'the guesses were counted');
  t.ok(second.value('softswitch_sip_parse_errors_total', { transport: 'udp' }) >= 23, 'the garbage was counted');
  for (const value of [...sent, alice.sipId, alice.password, real.callId, '127.0.0.1']) {
    // Digits alone could occur inside a sample value by chance: as a label value they would be quoted.
    const leak = /^\d+$/.test(value) ? `"${value}"` : value;
    t.notOk(text.includes(leak), `not in /metrics: ${value}`);
  }
  for (const family of second.families) {
    for (const sample of family.metrics) {
      for (const [label, value] of Object.entries(sample.labels ?? {})) {
        t.match(value, /^[A-Za-z0-9_.+-]{0,40}$/, `${family.name}{${label}}: a short fixed value`);
      }
    }
  }
});

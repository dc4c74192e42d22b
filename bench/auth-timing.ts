/**
 * `npm run bench:auth-timing -- [--rounds 2000]`: is an unknown SIP-ID
 * told apart from a wrong password by the answer's timing? Starts a real
 * redis-server and server (bans raised out of the way), then sends REGISTERs
 * with a wrong password for an existing line and for an unknown SIP-ID,
 * interleaved, from one UDP socket on loopback, and prints the median and
 * p90 time to the 403 of each. Bounded: `rounds` requests of each kind.
 */
import { parseArgs } from 'node:util';
import { DigestUa, RawSipClient } from '../test/helpers/raw-sip-client.js';
import { startStack, TEST_LINES } from '../test/helpers/test-stack.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2000' } } });
const rounds = Math.min(20_000, Math.max(10, Number(values.rounds)));
const DOMAIN = 'test.example';

const stack = await startStack({
  bans: { maxFailures: 100_000, sipIdMaxFailures: 100_000, targetedMaxFailures: 100_000 },
});
try {
  const client = await RawSipClient.open('udp', { port: stack.config.port });
  const kinds = {
    'wrong password': new DigestUa(client, { user: TEST_LINES.alice.sipId, password: 'not-the-password', domain: DOMAIN }),
    'unknown SIP-ID': new DigestUa(client, { user: 'nobody-at-all', password: 'not-the-password', domain: DOMAIN }),
  };
  const times: Record<string, number[]> = { 'wrong password': [], 'unknown SIP-ID': [] };
  for (const ua of Object.values(kinds)) ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 }));
  for (let i = 0; i < rounds; i++) {
    for (const [kind, ua] of Object.entries(kinds)) {
      const started = process.hrtime.bigint();
      const answer = await ua.send({ contacts: [ua.contact()], expires: 600 });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (answer.status !== 403) throw new Error(`${kind}: expected 403, got ${answer.status}`);
      client.received.length = 0;
      if (i >= 50) times[kind]!.push(ms); // the first rounds warm up the JIT
    }
  }
  client.close();
  for (const [kind, list] of Object.entries(times)) {
    list.sort((a, b) => a - b);
    const at = (q: number) => list[Math.floor(q * (list.length - 1))]!.toFixed(3);
    console.log(`${kind.padEnd(15)} n=${list.length}  median ${at(0.5)} ms  p90 ${at(0.9)} ms`);
  }
} finally {
  await stack.stop();
}

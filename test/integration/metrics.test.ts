import t from 'tap';
import { answer, callFrom, registerTrunk, startCallStack, trunk } from '../helpers/call-harness.js';
import { probe, scrapeMetrics, type Scrape } from '../helpers/metrics-scrape.js';
import { DigestUa, RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * /metrics, /healthz and /readyz of the real server process: the values move
 * as SIPp registers and calls (read with a Prometheus text-format parser),
 * and /readyz fails while Redis is stopped.
 */
const A = { number: '0312350001' };
const B = { number: '0312350002' };
const alice = await trunk('m-alice', 'alice-pass-123');
const bob = await trunk('m-bob', 'bob-secret-456');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGM',
        name: 'Metrics',
        sites: [
          {
            id: '1000009',
            name: 'Site',
            lines: [
              { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 2, basicNumber: A.number },
              { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: B.number },
            ],
          },
        ],
      },
    ],
  },
  1,
  // A guesser is banned after 3 failures, and answered 403 from then on (observable, unlike a drop).
  { bans: { maxFailures: 3, targetedMaxFailures: 3, windowSeconds: 60, banSeconds: 60, action: '403' } },
);
const node = stack.nodes[0]!;
const metricsPort = stack.configs[0]!.metricsPort;
const scrape = (): Promise<Scrape> => scrapeMetrics(metricsPort);

/** Scrapes until `done` holds (bounded), for gauges that follow a call in flight. */
async function scrapeUntil(done: (s: Scrape) => boolean, timeoutMs = 10_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrape();
    if (done(s) || Date.now() > deadline) return s;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

t.test('health: /healthz alive, /readyz ready with each check named; nothing else is served', async (t) => {
  const health = await probe(metricsPort, '/healthz');
  t.equal(health.status, 200);
  t.same(health.body, { status: 'alive' });
  const ready = await probe(metricsPort, '/readyz');
  t.equal(ready.status, 200);
  t.same(ready.body, { status: 'ready', checks: { redis: 'ok', sip: 'ok', draining: false } });
  const s = await scrape();
  t.equal(s.value('softswitch_ready'), 1, 'softswitch_ready 1');
  t.equal(s.value('softswitch_redis_up'), 1, 'softswitch_redis_up 1');
  t.ok(s.family('nodejs_eventloop_lag_seconds'), 'event-loop lag is exported');
  t.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' })).status, 405, 'POST: 405');
  t.equal((await fetch(`http://127.0.0.1:${metricsPort}/`)).status, 404, 'any other path: 404');
});

t.test('a SIPp registration: challenged then registered, one more registered line, transactions counted', async (t) => {
  const before = await scrape();
  await registerTrunk(node, bob);
  const after = await scrape();
  const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
  t.equal(delta('softswitch_registrations_total', { outcome: 'challenged' }), 1, 'challenged +1');
  t.equal(delta('softswitch_registrations_total', { outcome: 'registered' }), 1, 'registered +1');
  t.equal(delta('softswitch_registered_lines'), 1, 'registered lines +1 (from Redis)');
  t.ok(delta('softswitch_sip_transactions_total', { kind: 'server' }) >= 2, 'two server transactions at least');
  const commands = (s: Scrape) => s.total('softswitch_redis_command_duration_seconds_count');
  t.ok(commands(after) > commands(before), 'Redis commands timed');
  t.ok(after.value('softswitch_redis_command_duration_seconds_count', { command: 'evalsha' }) > 0, 'by command: our scripts (EVALSHA)');
});

t.test('a wrong password: auth failure by method and reason, registration auth_failed', async (t) => {
  const before = await scrape();
  const udp = await RawSipClient.open('udp', { port: node.port });
  t.teardown(() => udp.close());
  const ua = new DigestUa(udp, { user: alice.sipId, password: 'not-the-password-1', domain: 'test.example' });
  t.ok(ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 })), 'challenged');
  const refused = await ua.send({ contacts: [ua.contact()], expires: 600 });
  t.equal(refused.status, 403, 'refused: 403');
  const after = await scrape();
  t.equal(
    after.value('softswitch_auth_failures_total', { method: 'REGISTER', reason: 'wrong_password' }) -
      before.value('softswitch_auth_failures_total', { method: 'REGISTER', reason: 'wrong_password' }),
    1,
  );
  t.equal(
    after.value('softswitch_registrations_total', { outcome: 'auth_failed' }) - before.value('softswitch_registrations_total', { outcome: 'auth_failed' }),
    1,
  );
});

t.test('an answered call: active call and two channels while it lasts, then answered and back to zero', async (t) => {
  const before = await scrape();
  const callee = await answer(node, 'call-callee.xml', bob);
  const caller = callFrom(node, alice, { called: B.number, from: A.number, expect: 200, holdMs: 3000 });
  const during = await scrapeUntil((s) => s.value('softswitch_channels_in_use') === 2);
  t.equal(during.value('softswitch_calls_active'), 1, 'one active call');
  t.equal(during.value('softswitch_channels_in_use'), 2, "two channels: the caller's line and the called line");
  const [called, calling] = await Promise.all([callee.done, caller]);
  t.equal(calling.code, 0, 'caller scenario passed', describeSipp(calling));
  t.equal(called.code, 0, 'callee scenario passed', describeSipp(called));
  const after = await scrapeUntil((s) => s.value('softswitch_calls_active') === 0);
  const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
  t.equal(delta('softswitch_calls_total', { outcome: 'answered' }), 1, 'answered +1');
  t.equal(delta('softswitch_call_decisions_total', { stage: 'origination', outcome: 'continue' }), 1, 'origination decision counted');
  t.ok(delta('softswitch_sip_transactions_total', { kind: 'client' }) >= 2, 'client transactions: the INVITE and the BYE relayed');
  t.equal(after.value('softswitch_calls_active'), 0, 'no active call after the BYE');
  t.equal(after.value('softswitch_channels_in_use'), 0, 'channels given back');
});

t.test('a call to a number that is nobody: not_found', async (t) => {
  const before = await scrape();
  const caller = await callFrom(node, alice, { called: '0312359999', from: A.number, expect: 404 });
  t.equal(caller.code, 0, 'the caller got 404', describeSipp(caller));
  const after = await scrape();
  t.equal(after.value('softswitch_calls_total', { outcome: 'not_found' }) - before.value('softswitch_calls_total', { outcome: 'not_found' }), 1);
});

t.test('parse errors by transport, and a request copy counted as a received retransmission', async (t) => {
  const before = await scrape();
  const udp = await RawSipClient.open('udp', { port: node.port });
  t.teardown(() => udp.close());
  udp.sendRaw('this is not SIP\r\n\r\n');
  // An OPTIONS ping: answered from a transaction (a REGISTER's challenge is stateless, so a copy of it would be a new request).
  const ping = udp.buildRequest('OPTIONS', 'sip:test.example', [
    ['From', `<sip:${alice.sipId}@test.example>;tag=m-tag`],
    ['To', '<sip:test.example>'],
    ['Call-ID', `${randomToken()}@m`],
    ['CSeq', '1 OPTIONS'],
  ]);
  const first = await udp.request(ping);
  t.equal(first.status, 200);
  const since = udp.received.length;
  udp.sendRaw(ping); // the same bytes: a retransmission, answered from the transaction
  await udp.waitFor((m) => m.isResponse && m.status === 200, { since });
  const after = await scrape();
  t.equal(after.value('softswitch_sip_parse_errors_total', { transport: 'udp' }) - before.value('softswitch_sip_parse_errors_total', { transport: 'udp' }), 1);
  t.equal(
    after.value('softswitch_sip_retransmissions_total', { direction: 'received' }) -
      before.value('softswitch_sip_retransmissions_total', { direction: 'received' }),
    1,
  );
  t.equal(
    after.value('softswitch_sip_retransmissions_total', { direction: 'sent' }) - before.value('softswitch_sip_retransmissions_total', { direction: 'sent' }),
    1,
    'the 200 sent again for it',
  );
});

t.test('password guessing from one address: failures, one ban, the banned source turned away', async (t) => {
  const before = await scrape();
  const guesser = await RawSipClient.open('udp', { port: node.port }, '127.0.0.30');
  t.teardown(() => guesser.close());
  for (let i = 0; i < 4; i++) {
    const ua = new DigestUa(guesser, { user: `nobody${i}`, password: 'guess-1234', domain: 'test.example' });
    t.ok(ua.takeChallenge(await ua.send({ contacts: [ua.contact()], expires: 600 })));
    t.equal((await ua.send({ contacts: [ua.contact()], expires: 600 })).status, 403, `guess ${i + 1} refused`);
  }
  const banned = await guesser.register({ user: 'nobody', domain: 'test.example', callId: `${randomToken()}@g`, cseq: 1, contacts: [] });
  t.equal(banned.status, 403, 'banned: 403 before any digest work');
  const after = await scrape();
  const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
  t.equal(delta('softswitch_auth_failures_total', { method: 'REGISTER', reason: 'unknown_sip_id' }), 4, 'four unknown SIP-IDs');
  t.equal(delta('softswitch_bans_total', { reason: 'failures' }), 1, 'one ban');
  t.equal(after.value('softswitch_bans_active'), 1, 'one address banned now');
  t.equal(delta('softswitch_banned_requests_total', { action: 'forbid' }), 1, 'the banned request counted');
});

t.test('/readyz fails while Redis is stopped, and recovers when it is back; /healthz stays up', async (t) => {
  await stack.redis.pause();
  // A Redis answer is reused for a second: poll (bounded) rather than assume.
  const deadline = Date.now() + 10_000;
  let down = await probe(metricsPort, '/readyz');
  while (down.status === 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    down = await probe(metricsPort, '/readyz');
  }
  t.equal(down.status, 503, '/readyz 503');
  t.same(down.body, { status: 'not ready', checks: { redis: 'not answering', sip: 'ok', draining: false } });
  t.equal((await probe(metricsPort, '/healthz')).status, 200, '/healthz still 200: the process is alive');

  // A REGISTER with credentials needs the store: 503, counted, and the failed commands counted.
  const before = await scrape();
  const udp = await RawSipClient.open('udp', { port: node.port });
  t.teardown(() => udp.close());
  const ua = new DigestUa(udp, { user: alice.sipId, password: alice.password, domain: 'test.example' });
  const refused = await ua.register({ contacts: [ua.contact()], expires: 600 });
  t.equal(refused.status, 503);
  const during = await scrape();
  t.equal(during.value('softswitch_redis_up'), 0, 'softswitch_redis_up 0');
  t.equal(during.value('softswitch_ready'), 0, 'softswitch_ready 0');
  t.equal(
    during.value('softswitch_registrations_total', { outcome: 'unavailable' }) - before.value('softswitch_registrations_total', { outcome: 'unavailable' }),
    1,
  );
  t.ok(during.total('softswitch_redis_command_errors_total') > before.total('softswitch_redis_command_errors_total'), 'Redis command errors counted');

  await stack.redis.resume();
  const backBy = Date.now() + 15_000;
  let back = await probe(metricsPort, '/readyz');
  while (back.status !== 200 && Date.now() < backBy) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    back = await probe(metricsPort, '/readyz');
  }
  t.equal(back.status, 200, '/readyz 200 again once Redis answers');
});

import t from 'tap';
import { answer, callFrom, registerTrunk, startCallStack, trunk } from '../helpers/call-harness.js';
import { probe, scrapeMetrics, type Scrape } from '../helpers/metrics-scrape.js';
import { RawSipClient, randomToken } from '../helpers/raw-sip-client.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * SIGTERM with a call up, against the real server process: readiness fails
 * at once, a new INVITE (and OPTIONS) gets 503 with Retry-After, a REGISTER
 * and the call's own BYE are still served, and the node exits by itself as
 * soon as the call has ended, well before shutdown.drainSeconds.
 */
const DRAIN_SECONDS = 30;
const DOMAIN = 'test.example';
const A = { number: '0312360001' };
const B = { number: '0312360002' };
const alice = await trunk('d-alice', 'alice-pass-123');
const bob = await trunk('d-bob', 'bob-secret-456');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VGD',
        name: 'Drain',
        sites: [
          {
            id: '1000010',
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
  { drainSeconds: DRAIN_SECONDS },
);
const node = stack.nodes[0]!;
const metricsPort = stack.configs[0]!.metricsPort;

async function scrapeUntil(port: number, done: (s: Scrape) => boolean, timeoutMs = 10_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrapeMetrics(port);
    if (done(s) || Date.now() > deadline) return s;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

t.test('SIGTERM: unready, new calls 503 + Retry-After, the call in progress ends normally, then the node exits', async (t) => {
  await registerTrunk(node, bob);
  const callee = await answer(node, 'call-callee.xml', bob, {}, 40);
  // Long enough for everything below to happen while the call is up.
  const caller = callFrom(node, alice, { called: B.number, from: A.number, expect: 200, holdMs: 8000 });
  const up = await scrapeUntil(metricsPort, (s) => s.value('softswitch_channels_in_use') === 2);
  t.equal(up.value('softswitch_calls_active'), 1, 'the call is up');

  const since = node.mark();
  node.signal('SIGTERM');
  const draining = await node.waitForEvent('server.draining', { since });
  t.equal(draining.drainSeconds, DRAIN_SECONDS);
  t.equal(draining.activeCalls, 1, 'logged with the calls it waits for');

  const ready = await probe(metricsPort, '/readyz');
  t.equal(ready.status, 503, '/readyz fails first');
  t.same(ready.body, { status: 'not ready', checks: { redis: 'ok', sip: 'ok', draining: true } });
  t.equal((await probe(metricsPort, '/healthz')).status, 200, '/healthz: still alive');

  const udp = await RawSipClient.open('udp', { port: node.port });
  t.teardown(() => udp.close());
  const invite = await udp.request(
    udp.buildRequest('INVITE', `sip:${B.number}@${DOMAIN}`, [
      ['From', `<sip:${A.number}@${DOMAIN}>;tag=${randomToken()}`],
      ['To', `<sip:${B.number}@${DOMAIN}>`],
      ['Call-ID', `${randomToken()}@drain`],
      ['CSeq', '1 INVITE'],
      ['Contact', `<${udp.contactUri('alice')}>`],
    ]),
  );
  t.equal(invite.status, 503, 'a new INVITE: 503');
  t.equal(invite.header('retry-after'), String(DRAIN_SECONDS), 'with Retry-After: the drain time');
  const options = await udp.request(
    udp.buildRequest('OPTIONS', `sip:${DOMAIN}`, [
      ['From', `<sip:${A.number}@${DOMAIN}>;tag=${randomToken()}`],
      ['To', `<sip:${DOMAIN}>`],
      ['Call-ID', `${randomToken()}@drain`],
      ['CSeq', '1 OPTIONS'],
    ]),
  );
  t.equal(options.status, 503, 'OPTIONS: 503, so keep-alive probes move to another node');
  const register = await udp.register({
    user: alice.sipId,
    domain: DOMAIN,
    callId: `${randomToken()}@drain`,
    cseq: 1,
    contacts: [`<${udp.contactUri(alice.sipId)}>`],
  });
  t.equal(register.status, 401, 'a REGISTER is still served (challenged as usual)');

  const during = await scrapeMetrics(metricsPort);
  t.equal(during.value('softswitch_draining'), 1, 'softswitch_draining 1');
  t.equal(during.value('softswitch_ready'), 0, 'softswitch_ready 0');
  t.equal(during.value('softswitch_calls_total', { outcome: 'draining' }), 1, 'the refused INVITE counted');
  t.ok(node.running, 'still running while the call is up');

  const [calling, called] = await Promise.all([caller, callee.done]);
  t.equal(calling.code, 0, 'the call in progress was not cut: 200, then its BYE answered', describeSipp(calling));
  t.equal(called.code, 0, 'the callee got the BYE through the draining node', describeSipp(called));

  const drained = await node.waitForEvent('server.drained', { since, timeoutMs: 15_000 });
  t.equal(drained.callsLeft, 0, 'every call ended');
  t.ok(Number(drained.waitedMs) < DRAIN_SECONDS * 1000, 'it stopped waiting when the call ended, not at the drain time');
  t.comment(`drained after ${String(drained.waitedMs)} ms`);
  t.equal(await node.waitForExit(15_000), 0, 'then exited cleanly');
  t.ok(node.events('server.stopped', since).length === 1, 'server.stopped logged');
});

t.test('a second SIGTERM stops waiting: the node exits at once with the call still up', async (t) => {
  const carol = await trunk('d-carol', 'carol-pass-123');
  const dave = await trunk('d-dave', 'dave-secret-456');
  const second = await startCallStack(
    {
      voiceGroups: [
        {
          id: 'VGE',
          name: 'Drain again',
          sites: [
            {
              id: '1000011',
              name: 'Site',
              lines: [
                { sipId: carol.sipId, password: carol.password, auth: 'digest', channels: 2, basicNumber: '0312370001' },
                { sipId: dave.sipId, password: dave.password, auth: 'digest', channels: 2, basicNumber: '0312370002' },
              ],
            },
          ],
        },
      ],
    },
    1,
    { drainSeconds: DRAIN_SECONDS },
  );
  const other = second.nodes[0]!;
  await registerTrunk(other, dave);
  const callee = await answer(other, 'call-callee.xml', dave, {}, 40);
  t.teardown(() => callee.stop());
  const abort = new AbortController();
  t.teardown(() => abort.abort());
  void callFrom(other, carol, { called: '0312370002', from: '0312370001', expect: 200, holdMs: 20_000, signal: abort.signal });
  const up = await scrapeUntil(second.configs[0]!.metricsPort, (s) => s.value('softswitch_channels_in_use') === 2);
  t.equal(up.value('softswitch_calls_active'), 1, 'the call is up');

  const since = other.mark();
  other.signal('SIGTERM');
  await other.waitForEvent('server.draining', { since });
  other.signal('SIGTERM');
  const drained = await other.waitForEvent('server.drained', { since, timeoutMs: 10_000 });
  t.equal(drained.callsLeft, 1, 'stopped with the call still up');
  t.equal(await other.waitForExit(10_000), 0, 'and exited cleanly');
});

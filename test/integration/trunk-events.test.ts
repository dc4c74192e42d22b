import { createHmac } from 'node:crypto';
import t from 'tap';
import { callFrom } from '../helpers/call-harness.js';
import { freePort } from '../helpers/free-port.js';
import { OptionsResponder } from '../helpers/options-responder.js';
import { DigestUa, RawSipClient } from '../helpers/raw-sip-client.js';
import { provision, runCli } from '../helpers/server-process.js';
import { describeSipp } from '../helpers/sipp.js';
import { startStack, testProvisioning, TEST_LINES } from '../helpers/test-stack.js';
import { startWebhookReceiver, type WebhookDelivery } from '../helpers/webhook-receiver.js';

/**
 * Trunk state as events (docs/product.md §8) against the real server: a line
 * going registered → not registered by expiry and by REGISTER Expires: 0 and
 * back, and a peer that stops answering OPTIONS and comes back, each reach a
 * webhook receiver on 127.0.0.1 (signed; its first answer is 500, so the
 * delivery is retried). While the peer is down the route to it is skipped.
 */
const DOMAIN = 'test.example';
const SECRET = 'webhook-secret-for-tests';
const PEER = { address: '127.0.0.71', port: 5060 };

const receiver = await startWebhookReceiver([500]);
t.teardown(() => receiver.close());
const peer = new OptionsResponder(PEER.address, PEER.port);
await peer.start();
t.teardown(() => peer.stop());

const stack = await startStack({
  registrar: { minExpires: 2, maxExpires: 3600, defaultExpires: 3600, maxContacts: 3 },
  extra: {
    monitoring: { enabled: true, interval: 0.3, timeout: 0.2, downAfter: 2, upAfter: 1, ipTrunks: false },
    webhooks: { url: receiver.url, secret: SECRET, retryBase: 0.2, retryMax: 1, maxAttempts: 10 },
  },
});
t.teardown(() => stack.stop());
const { server, config } = stack;
await provision(config, {
  ...(testProvisioning() as object),
  routing: {
    peers: [{ name: 'carrier-b', addresses: [PEER.address] }],
    outboundRoutes: [{ name: 'carrier-b-mobile', prefix: '090', target: `${PEER.address}:${PEER.port}`, transport: 'udp' }],
    emergencyRoute: null,
  },
});

const udp = await RawSipClient.open('udp', { port: config.port });
t.teardown(() => udp.close());
const bob = new DigestUa(udp, { user: TEST_LINES.bob.sipId, password: TEST_LINES.bob.password, domain: DOMAIN });
const contact = `<${udp.contactUri('bob')}>`;

const isTrunk = (state: string, reason: string) => (d: WebhookDelivery) =>
  d.body.event === 'trunk.state' && d.body.sipId === 'bob' && d.body.state === state && d.body.reason === reason;
const isPeer = (kind: string, state: string) => (d: WebhookDelivery) => d.body.event === 'peer.state' && d.body.kind === kind && d.body.state === state;
const after = (d: WebhookDelivery) => (e: WebhookDelivery) => receiver.deliveries.indexOf(e) > receiver.deliveries.indexOf(d);

t.test('registered, then not registered when the binding expires; the first POST fails with 500 and is retried', async (t) => {
  const ok = await bob.register({ contacts: [contact], expires: 2 });
  t.equal(ok.status, 200, 'registered for 2 s');
  const registered = await receiver.waitFor(isTrunk('registered', 'registered'));
  const first = receiver.deliveries[0]!;
  t.equal(first.answered, 500, 'the receiver failed the first POST');
  t.equal(first.headers['x-softswitch-delivery'], registered.headers['x-softswitch-delivery'], 'the same delivery was POSTed again');
  t.same(first.body, registered.body, 'with the same body');
  const failed = await server.waitForEvent('webhook.failed', { where: (l) => l.attempt === 1 });
  t.equal(failed.why, 'HTTP 500', 'the failed attempt is logged');
  t.match(registered.body, { event: 'trunk.state', sipId: 'bob', state: 'registered', previous: 'not registered', node: 'node-a' });
  t.equal(
    registered.headers['x-softswitch-signature'],
    `sha256=${createHmac('sha256', SECRET).update(registered.raw).digest('hex')}`,
    'signed with the configured secret',
  );

  const expired = await receiver.waitFor(after(registered), 8000);
  t.match(expired.body, { event: 'trunk.state', sipId: 'bob', state: 'not registered', previous: 'registered', reason: 'expired' }, 'expiry reported');
  const logged = await server.waitForEvent('trunk.state', { where: (l) => l.sipId === 'bob' && l.state === 'not registered' });
  t.equal(logged.reason, 'expired', 'and logged');
});

t.test('REGISTER Expires: 0 removes the last binding: not registered; registering again: registered', async (t) => {
  const since = receiver.deliveries.length;
  t.equal((await bob.register({ contacts: [contact], expires: 600 })).status, 200);
  const again = await receiver.waitFor((d) => receiver.deliveries.indexOf(d) >= since && isTrunk('registered', 'registered')(d));
  t.equal((await bob.register({ contacts: [`${contact};expires=0`] })).status, 200, 'unregistered');
  const removed = await receiver.waitFor(after(again));
  t.match(removed.body, { sipId: 'bob', state: 'not registered', reason: 'removed' });
  t.equal((await bob.register({ contacts: [contact], expires: 600 })).status, 200);
  const back = await receiver.waitFor(after(removed));
  t.match(back.body, { sipId: 'bob', state: 'registered', previous: 'not registered' });
  t.equal(
    receiver.deliveries.filter((d) => d.answered < 300 && d.body.sipId === 'bob' && receiver.deliveries.indexOf(d) > receiver.deliveries.indexOf(back)).length,
    0,
    'a refresh is not a change',
  );
});

t.test('a peer that stops answering OPTIONS goes down (its route skipped), and up when it answers again', async (t) => {
  const deadline = Date.now() + 5000;
  while (peer.received === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  t.ok(peer.received > 0, 'the server pings the peer with OPTIONS');
  await peer.stop();

  const down = await receiver.waitFor(isPeer('peer', 'down'));
  t.match(down.body, {
    event: 'peer.state',
    kind: 'peer',
    name: 'carrier-b',
    state: 'down',
    previous: 'up',
    reason: 'options',
    target: `UDP ${PEER.address}:${PEER.port}`,
  });
  const routeDown = await receiver.waitFor(isPeer('route', 'down'));
  t.match(routeDown.body, { name: 'carrier-b-mobile', state: 'down' }, 'the route to the same address too');

  const targets = await runCli('status', ['--config', config.file, '--json', '--targets']);
  t.equal(targets.code, 3, 'status --targets exits 3 while a target is down');
  const listed = JSON.parse(targets.stdout) as { enabled: boolean; targets: Array<{ target: string; state: string; subjects: unknown[] }> };
  t.match(listed, { enabled: true, targets: [{ target: `UDP ${PEER.address}:${PEER.port}`, state: 'down' }] });

  const alice = { sipId: TEST_LINES.alice.sipId, password: TEST_LINES.alice.password, port: await freePort() };
  const since = server.mark();
  const caller = await callFrom(server, alice, { called: '09012345678', from: '0312345670', expect: 503 });
  t.equal(caller.code, 0, 'a call by the route whose target is down: 503', describeSipp(caller));
  const skipped = await server.waitForEvent('call.decision', { since, where: (l) => l.stage === 'outbound-route' && l.outcome === 'skipped' });
  t.equal(skipped.target, 'carrier-b-mobile', 'the skip is in the decision log');

  await peer.start();
  const up = await receiver.waitFor((d) => after(down)(d) && isPeer('peer', 'up')(d));
  t.match(up.body, { name: 'carrier-b', state: 'up', previous: 'down', status: 200 });
  const healthy = await runCli('status', ['--config', config.file, '--targets']);
  t.equal(healthy.code, 0, 'exit 0 once every target is up');
  t.match(healthy.stdout, new RegExp(`UDP ${PEER.address.replace(/\./g, '\\.')}:5060: up`));
});

import t from 'tap';
import { TargetHealthStore } from '../../src/store/target-health-store.js';
import { FIXTURE_DOCUMENT, startApiHarness } from '../helpers/api-harness.js';

/**
 * Peer and trunk monitoring through the management API: the carrier's
 * interconnect addresses and their state are the operator's. Customers of
 * every role, and callers without a token, are refused and learn nothing.
 */
const h = await startApiHarness({
  config: { monitoring: { enabled: true }, provisioning: { allowLoopbackAddresses: false } },
  document: {
    ...FIXTURE_DOCUMENT,
    routing: {
      peers: [{ name: 'carrier-b', addresses: ['192.0.2.7'] }],
      outboundRoutes: [{ name: 'carrier-b-mobile', prefix: '090', target: '192.0.2.7', transport: 'udp' }],
      emergencyRoute: null,
    },
  },
});
await new TargetHealthStore(h.redis).update('UDP 192.0.2.7:5060', () => ({
  state: 'down',
  failures: 3,
  successes: 0,
  since: Date.parse('2026-03-10T08:59:00Z'),
  lastAt: Date.parse('2026-03-10T08:59:30Z'),
  lastError: 'timeout',
}));

t.test('the operator sees each target, what it serves, and its shared state', async (t) => {
  const res = await h.req(await h.login('operator'), 'GET', '/monitoring/targets');
  t.equal(res.status, 200, res.text);
  t.same(res.body, {
    enabled: true,
    targets: [
      {
        target: 'UDP 192.0.2.7:5060',
        transport: 'UDP',
        address: '192.0.2.7',
        port: 5060,
        subjects: [
          { kind: 'peer', name: 'carrier-b' },
          { kind: 'route', name: 'carrier-b-mobile' },
        ],
        state: 'down',
        failures: 3,
        successes: 0,
        since: '2026-03-10T08:59:00.000Z',
        lastPing: '2026-03-10T08:59:30.000Z',
        lastError: 'timeout',
      },
    ],
  });
});

t.test('customers of every role get 403, without a token 401: no carrier address leaks', async (t) => {
  for (const who of ['vgAdmin', 'siteAdmin', 'numberUser'] as const) {
    const res = await h.req(await h.login(who), 'GET', '/monitoring/targets');
    t.equal(res.status, 403, `${who}: 403`);
    t.notMatch(res.text, /192\.0\.2\.7|carrier-b/, `${who}: nothing of the carrier in the answer`);
  }
  const anonymous = await h.req(undefined, 'GET', '/monitoring/targets');
  t.equal(anonymous.status, 401);
  t.notMatch(anonymous.text, /192\.0\.2\.7/);
});

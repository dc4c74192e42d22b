import t from 'tap';
import { monitoredTargets, targetId } from '../../../src/monitoring/targets.js';

const provisioned = {
  peers: [{ name: 'carrier-b', addresses: ['192.0.2.7', '2001:db8::7'] }],
  ipLines: [{ sipId: 'gw1', allowedAddresses: ['198.51.100.9'] }],
  routes: [
    { name: 'mobile', prefix: '090', target: '192.0.2.7', transport: 'udp' as const },
    { name: 'all', prefix: '0', target: '192.0.2.8:5070', transport: 'tcp' as const },
    { name: 'v6', prefix: '080', target: '[2001:db8::9]:5080', transport: 'udp' as const },
  ],
};
const all = { peers: true, ipTrunks: true, routes: true };

t.test('one target per destination, with every subject it serves', async (t) => {
  const targets = monitoredTargets(provisioned, all);
  t.same(
    targets.map((x) => x.id),
    ['TCP 192.0.2.8:5070', 'UDP 192.0.2.7:5060', 'UDP 198.51.100.9:5060', 'UDP [2001:db8::7]:5060', 'UDP [2001:db8::9]:5080'],
  );
  const shared = targets.find((x) => x.id === 'UDP 192.0.2.7:5060')!;
  t.same(
    shared.subjects,
    [
      { kind: 'peer', name: 'carrier-b' },
      { kind: 'route', name: 'mobile' },
    ],
    "a peer's address that is also a route's target is pinged once for both",
  );
  t.same(
    targets.find((x) => x.id === 'TCP 192.0.2.8:5070')!.destination,
    { transport: 'TCP', address: '192.0.2.8', port: 5070 },
    "a route's own port and transport",
  );
  t.same(targets.find((x) => x.id === 'UDP 198.51.100.9:5060')!.subjects, [{ kind: 'trunk', name: 'gw1' }], 'an IP trunk at 5060, where its calls go');
});

t.test('each kind can be left out', async (t) => {
  t.same(
    monitoredTargets(provisioned, { peers: false, ipTrunks: false, routes: true }).flatMap((x) => x.subjects.map((s) => s.kind)),
    ['route', 'route', 'route'],
  );
  t.same(monitoredTargets(provisioned, { peers: false, ipTrunks: false, routes: false }), []);
  t.equal(targetId({ transport: 'UDP', address: '::1', port: 5060 }), 'UDP [::1]:5060');
});

t.test('an IP trunk with deliverTo is pinged there; a route or deliverTo given as a DNS name is not pinged (RFC 3263 failover covers it)', async (t) => {
  const targets = monitoredTargets(
    {
      peers: [],
      ipLines: [
        { sipId: 'gw2', allowedAddresses: ['198.51.100.10'], deliverTo: '198.51.100.11:5070', deliverTransport: 'tcp' },
        { sipId: 'gw3', allowedAddresses: ['198.51.100.12'], deliverTo: 'pbx.customer.example:5070' },
      ],
      routes: [{ name: 'named', target: 'sip.carrier.example' }],
    },
    all,
  );
  t.same(
    targets.map((x) => [x.id, x.subjects]),
    [['TCP 198.51.100.11:5070', [{ kind: 'trunk', name: 'gw2' }]]],
  );
});

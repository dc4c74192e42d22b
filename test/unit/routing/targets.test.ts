import t from 'tap';
import { chooseEmergencyRoute, lineTargets, routeDestination, type HoldsConnection } from '../../../src/routing/targets.js';
import type { LineRecord } from '../../../src/store/line-store.js';
import { binding, HERE, line } from './target-fixtures.js';

t.test('contacts best q first, at their NAT source, with the called number as user', async (t) => {
  const targets = lineTargets(line, '0312345679', [binding('sip:pbx@10.0.0.5:5060', 0.5), binding('sip:pbx@10.0.0.6:5060', 1, { port: 40001 })], HERE);
  t.same(
    targets.map((x) => x.uri),
    ['sip:0312345679@10.0.0.6:5060', 'sip:0312345679@10.0.0.5:5060'],
  );
  t.same(targets[0]!.destination, { transport: 'UDP', address: '203.0.113.5', port: 40001 });
});

t.test('delivery: contact sends the call to the registered Contact as it is (a phone answers only its own URI)', async (t) => {
  const phone: LineRecord = { ...line, delivery: 'contact' };
  t.same(
    lineTargets(phone, '0312345679', [binding('sip:alice-desk@10.0.0.5:5060;transport=udp', 1)], HERE).map((x) => x.uri),
    ['sip:alice-desk@10.0.0.5:5060;transport=udp'],
  );
  t.same(
    lineTargets(line, '0312345679', [binding('sip:alice-desk@10.0.0.5:5060;transport=udp', 1)], HERE).map((x) => x.uri),
    ['sip:0312345679@10.0.0.5:5060;transport=udp'],
    'the default: the called number as the user',
  );
});

t.test('a TCP binding goes over its connection while this node holds it open, else to its Contact', async (t) => {
  const tcp = binding('sip:pbx@10.0.0.5:5070;transport=tcp', undefined, { transport: 'TCP', connectionId: 'tcp-ab12-7', node: 'n1' });
  t.same(lineTargets(line, '0312345678', [tcp], HERE)[0]!.destination, { transport: 'TCP', address: '203.0.113.5', port: 40000, connectionId: 'tcp-ab12-7' });
  const gone: HoldsConnection = () => false;
  t.same(
    lineTargets(line, '0312345678', [tcp], gone)[0]!.destination,
    { transport: 'TCP', address: '10.0.0.5', port: 5070 },
    'gone (closed, another node, a restart): the Contact, not the old source port',
  );
  const named = binding('sip:pbx@pbx.example;transport=tcp', undefined, { transport: 'TCP', connectionId: 'tcp-ab12-8', node: 'n1' });
  t.same(lineTargets(line, '0312345678', [named], gone), [], 'a Contact that names a host is not tried');
  const ws = binding('sip:x@df7jal23ls0d.invalid;transport=ws', undefined, { transport: 'WS', connectionId: 'ws-ab12-3', node: 'n1' });
  t.same(
    lineTargets(line, '0312345678', [ws, binding('sip:pbx@10.0.0.6', 0.5)], gone).map((x) => x.uri),
    ['sip:0312345678@10.0.0.6'],
    'a WS binding without its connection is skipped',
  );
});

t.test('TLS: over its connection, else its Contact over a new TLS connection; a sips: Contact never in the clear', async (t) => {
  const tls = binding('sips:pbx@10.0.0.5:5071', undefined, { transport: 'TLS', connectionId: 'tls-ab12-7', node: 'n1' });
  t.same(lineTargets(line, '0312345678', [tls], HERE)[0]!.destination, { transport: 'TLS', address: '203.0.113.5', port: 40000, connectionId: 'tls-ab12-7' });
  t.same(lineTargets(line, '0312345678', [tls], HERE)[0]!.uri, 'sips:0312345678@10.0.0.5:5071', 'the sips: scheme is kept');
  const gone: HoldsConnection = () => false;
  t.same(
    lineTargets(line, '0312345678', [tls], gone)[0]!.destination,
    { transport: 'TLS', address: '10.0.0.5', port: 5071 },
    'connection gone: TLS to the Contact',
  );
  const noPort = binding('sips:pbx@10.0.0.5', undefined, { transport: 'TLS', connectionId: 'tls-ab12-8', node: 'n1' });
  t.same(lineTargets(line, '0312345678', [noPort], gone)[0]!.destination, { transport: 'TLS', address: '10.0.0.5', port: 5061 }, 'TLS default port 5061');
  const downgraded = [
    binding('sips:pbx@10.0.0.5:5061', undefined, { transport: 'UDP' }),
    binding('sips:pbx@10.0.0.5:5061', undefined, { transport: 'TCP', connectionId: 'tcp-ab12-9', node: 'n1' }),
    binding('sips:x@df7jal23ls0d.invalid;transport=ws', undefined, { transport: 'WS', connectionId: 'ws-ab12-9', node: 'n1' }),
  ];
  t.same(lineTargets(line, '0312345678', downgraded, HERE), [], 'a sips: Contact registered over UDP, TCP or WS is not called');
  const wss = binding('sips:x@df7jal23ls0d.invalid;transport=ws', undefined, { transport: 'WSS', connectionId: 'wss-ab12-9', node: 'n1' });
  t.same(lineTargets(line, '0312345678', [wss], HERE)[0]!.destination.transport, 'WSS');
  t.same(lineTargets(line, '0312345678', [wss], gone), [], 'a WSS binding without its connection is skipped');
});

t.test('a binding whose connection another live node holds goes to that node, with its Route naming the connection', async (t) => {
  const ws = binding('sip:x@df7jal23ls0d.invalid;transport=ws', undefined, { transport: 'WS', connectionId: 'ws-ab12-3', node: 'n2' });
  const nowhere: HoldsConnection = () => false;
  t.same(lineTargets(line, '0312345678', [ws], nowhere), [], 'alone, a WS binding of another node is out of reach');
  const hop = { destination: { transport: 'UDP' as const, address: '192.0.2.2', port: 5060 }, route: '<sip:tok@192.0.2.2:5060;lr;noderoute=s>' };
  const [target] = lineTargets(line, '0312345678', [ws], nowhere, new Map([[ws.key, hop]]));
  t.same(target?.destination, hop.destination, 'sent to the holding node');
  t.same(target?.route, [hop.route], 'by the Route that names the connection');
  t.match(target?.uri, /^sip:0312345678@df7jal23ls0d\.invalid/, 'for the called number at the Contact, as usual');
});

t.test('Path becomes the Route set (RFC 3327)', async (t) => {
  const b = { ...binding('sip:pbx@10.0.0.5', 1), path: ['<sip:edge.example;lr>'] };
  t.same(lineTargets(line, '0312345678', [b], HERE)[0]!.route, ['<sip:edge.example;lr>']);
});

t.test('an IP trunk is reached at its address', async (t) => {
  const ipLine: LineRecord = { ...line, auth: 'ip', allowedAddresses: ['127.0.0.4', '127.0.0.5'] };
  const targets = lineTargets(ipLine, '0612345678', [], HERE);
  t.equal(targets.length, 1);
  t.equal(targets[0]!.uri, 'sip:0612345678@127.0.0.4:5060');
});

t.test('a route target written as an address has one destination (as monitoring pings it); a DNS name has none', async (t) => {
  t.same(routeDestination({ target: '[::1]:5072', transport: 'tcp' }), { transport: 'TCP', address: '::1', port: 5072 });
  t.same(routeDestination({ target: '127.0.0.1' }), { transport: 'UDP', address: '127.0.0.1', port: 5060 });
  t.equal(routeDestination({ target: 'carrier.example:5060', transport: 'udp' }), undefined);
  t.equal(routeDestination({ target: 'bad host' }), undefined);
});

t.test("emergency route: the longest area code of the caller's number", async (t) => {
  const route = (name: string, areaCodes: string[]) => ({ name, areaCodes, target: '127.0.0.1:5071', transport: 'udp' as const });
  const routes = [route('tokyo', ['03', '042']), route('kanagawa', ['04', '045']), route('sapporo', ['011'])];
  t.equal(chooseEmergencyRoute(routes, '0312345678')?.name, 'tokyo');
  t.equal(chooseEmergencyRoute(routes, '0421234567')?.name, 'tokyo', '042 is longer than 04');
  t.equal(chooseEmergencyRoute(routes, '0451234567')?.name, 'kanagawa');
  t.equal(chooseEmergencyRoute(routes, '0471234567')?.name, 'kanagawa', '04 covers the rest of 04');
  t.equal(chooseEmergencyRoute(routes, '0111234567')?.name, 'sapporo');
  t.equal(chooseEmergencyRoute(routes, '0612345678'), undefined, 'an area no route lists has no emergency service');
  t.equal(chooseEmergencyRoute([], '0312345678'), undefined);
});

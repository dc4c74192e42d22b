// Where a call to a line goes, edges (docs/product.md §3.2, §5): an IP trunk
// (IPv4 and IPv6) at port 5060 over UDP, bindings ordered by q (none: 1),
// no Route set without a Path, a WebSocket binding never called without its
// connection, only the scheme making a Contact `sips:`, and the emergency
// route with the longest area code whatever the order the routes are listed in.
import t from 'tap';
import { chooseEmergencyRoute, lineTargets, type HoldsConnection } from '../../../src/routing/targets.js';
import type { LineRecord } from '../../../src/store/line-store.js';
import { binding, HERE, line } from './target-fixtures.js';

const GONE: HoldsConnection = () => false;

t.test('an IP trunk: its first address, port 5060, over UDP, labelled with the line', async (t) => {
  const v4: LineRecord = { ...line, sipId: 'trunk4', auth: 'ip', allowedAddresses: ['127.0.0.4', '127.0.0.5'] };
  t.strictSame(lineTargets(v4, '0612345678', [], HERE), [
    {
      uri: 'sip:0612345678@127.0.0.4:5060',
      destination: { transport: 'UDP', address: '127.0.0.4', port: 5060 },
      label: 'trunk4 127.0.0.4:5060',
    },
  ]);
  const v6: LineRecord = { ...line, sipId: 'trunk6', auth: 'ip', allowedAddresses: ['::1'] };
  t.strictSame(
    lineTargets(v6, '0612345678', [], HERE),
    [{ uri: 'sip:0612345678@[::1]:5060', destination: { transport: 'UDP', address: '::1', port: 5060 }, label: 'trunk6 [::1]:5060' }],
    'an IPv6 address is bracketed in the URI, bare in the destination',
  );
});

t.test('q-values order the offer; a binding without one counts as 1: before lower ones', async (t) => {
  const targets = lineTargets(line, '0312345679', [binding('sip:a@10.0.0.1', 0.5), binding('sip:b@10.0.0.2', undefined), binding('sip:c@10.0.0.3', 0.8)], HERE);
  t.same(
    targets.map((x) => x.uri),
    ['sip:0312345679@10.0.0.2', 'sip:0312345679@10.0.0.3', 'sip:0312345679@10.0.0.1'],
  );
});

t.test('a binding registered without Path gets no Route set', async (t) => {
  t.strictSame(lineTargets(line, '0312345679', [binding('sip:a@10.0.0.1:5062', 1)], HERE), [
    {
      uri: 'sip:0312345679@10.0.0.1:5062',
      destination: { transport: 'UDP', address: '203.0.113.5', port: 40000 },
      label: 'pbx sip:a@10.0.0.1:5062',
    },
  ]);
});

t.test('a WS binding whose connection is gone is not called, even at an IP-literal Contact', async (t) => {
  for (const transport of ['WS', 'WSS'] as const) {
    const ws = binding('sip:phone@192.0.2.9:8080;transport=ws', undefined, { transport, connectionId: 'ws-1', node: 'n1' });
    t.same(lineTargets(line, '0312345678', [ws], GONE), [], `${transport}: a browser cannot be called back`);
  }
});

t.test('only the URI scheme makes a Contact sips:', async (t) => {
  const plain = binding('sip:pbx@10.0.0.5;x=sips:1', undefined, { transport: 'UDP' });
  t.equal(lineTargets(line, '0312345678', [plain], HERE).length, 1, 'a sip: Contact with "sips:" in a parameter is called over UDP');
});

t.test('emergency route: the longest area code wins whatever the order of the routes', async (t) => {
  const route = (name: string, areaCodes: string[]) => ({ name, areaCodes, target: '127.0.0.1:5071' });
  const routes = [route('kanagawa', ['04']), route('machida', ['042']), route('sagamihara', ['0427'])];
  t.equal(chooseEmergencyRoute(routes, '0427123456')?.name, 'sagamihara');
  t.equal(chooseEmergencyRoute(routes, '0421234567')?.name, 'machida');
  t.equal(chooseEmergencyRoute(routes, '0451234567')?.name, 'kanagawa');
  t.equal(chooseEmergencyRoute([...routes].reverse(), '0427123456')?.name, 'sagamihara');
});

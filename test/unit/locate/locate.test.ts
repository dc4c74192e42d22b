import t from 'tap';
import { locateSipServer, MAX_HOPS_PER_TARGET, type DnsQueries, type NaptrRecord, type SrvRecord } from '../../../src/core/locate/locate.js';

/** DNS answers from a table, and the questions asked. */
function zone(table: { naptr?: Record<string, NaptrRecord[]>; srv?: Record<string, SrvRecord[]>; a?: Record<string, string[]> }) {
  const asked: string[] = [];
  const dns: DnsQueries = {
    naptr: async (name) => (asked.push(`NAPTR ${name}`), table.naptr?.[name] ?? []),
    srv: async (name) => (asked.push(`SRV ${name}`), table.srv?.[name] ?? []),
    addresses: async (name) => (asked.push(`A ${name}`), table.a?.[name] ?? []),
  };
  return { dns, asked };
}
const first = () => 0;
const naptr = (order: number, service: string, replacement: string): NaptrRecord => ({ order, preference: 10, flags: 'S', service, replacement });
const srv = (priority: number, port: number, name: string): SrvRecord => ({ priority, weight: 0, port, name });

t.test('an IP literal is used as it is: no DNS', async (t) => {
  const { dns, asked } = zone({});
  t.same(await locateSipServer({ host: '192.0.2.7' }, dns), [{ transport: 'UDP', address: '192.0.2.7', port: 5060, via: 'literal' }]);
  t.same(await locateSipServer({ host: '2001:db8::7', port: 5070, transport: 'TCP' }, dns), [
    { transport: 'TCP', address: '2001:db8::7', port: 5070, via: 'literal' },
  ]);
  t.same(asked, []);
});

t.test('a name with a port: its A/AAAA addresses at that port, no NAPTR or SRV (RFC 3263 §4.2)', async (t) => {
  const { dns, asked } = zone({ a: { 'pbx.example': ['192.0.2.1', '2001:db8::1'] } });
  t.same(
    (await locateSipServer({ host: 'pbx.example', port: 5070 }, dns)).map((h) => [h.transport, h.address, h.port]),
    [
      ['UDP', '192.0.2.1', 5070],
      ['UDP', '2001:db8::1', 5070],
    ],
  );
  t.same(asked, ['A pbx.example']);
});

t.test('a bare name: NAPTR picks the services in order, SRV the servers, A/AAAA their addresses', async (t) => {
  const { dns, asked } = zone({
    naptr: {
      'carrier.example': [
        naptr(20, 'SIP+D2U', '_sip._udp.carrier.example'),
        naptr(10, 'SIP+D2T', '_sip._tcp.carrier.example'),
        naptr(5, 'SIPS+D2T', '_sips._tcp.carrier.example'),
      ],
    },
    srv: {
      '_sip._tcp.carrier.example': [srv(20, 5090, 'b.carrier.example'), srv(10, 5080, 'a.carrier.example')],
      '_sip._udp.carrier.example': [srv(10, 5060, 'c.carrier.example')],
    },
    a: { 'a.carrier.example': ['192.0.2.10'], 'b.carrier.example': ['192.0.2.11'], 'c.carrier.example': ['192.0.2.12'] },
  });
  const hops = await locateSipServer({ host: 'carrier.example' }, dns, first);
  t.same(
    hops.map((h) => `${h.transport} ${h.address}:${h.port}`),
    ['TCP 192.0.2.10:5080', 'TCP 192.0.2.11:5090', 'UDP 192.0.2.12:5060'],
    'SIPS left out; TCP (order 10) before UDP (order 20); SRV priority within',
  );
  t.equal(hops[0]!.via, 'SRV _sip._tcp.carrier.example -> a.carrier.example');
  t.notOk(asked.includes('SRV _sips._tcp.carrier.example'), 'no TLS service is looked up');
});

t.test('no NAPTR: SRV for UDP then TCP; no SRV either: the A record at 5060 over UDP', async (t) => {
  const srvOnly = zone({ srv: { '_sip._tcp.carrier.example': [srv(1, 5070, 'sip.carrier.example')] }, a: { 'sip.carrier.example': ['192.0.2.20'] } });
  t.same(
    (await locateSipServer({ host: 'carrier.example' }, srvOnly.dns)).map((h) => `${h.transport} ${h.address}:${h.port}`),
    ['TCP 192.0.2.20:5070'],
  );
  t.same(srvOnly.asked.slice(0, 3), ['NAPTR carrier.example', 'SRV _sip._udp.carrier.example', 'SRV _sip._tcp.carrier.example']);

  const aOnly = zone({ a: { 'carrier.example': ['192.0.2.30'] } });
  t.same(await locateSipServer({ host: 'carrier.example' }, aOnly.dns), [
    { transport: 'UDP', address: '192.0.2.30', port: 5060, via: 'A/AAAA carrier.example' },
  ]);
});

t.test('a transport given: no NAPTR, SRV for that transport only, else A/AAAA at 5060 on it', async (t) => {
  const { dns, asked } = zone({ a: { 'carrier.example': ['192.0.2.40'] } });
  t.same(await locateSipServer({ host: 'carrier.example', transport: 'TCP' }, dns), [
    { transport: 'TCP', address: '192.0.2.40', port: 5060, via: 'A/AAAA carrier.example' },
  ]);
  t.same(asked, ['SRV _sip._tcp.carrier.example', 'A carrier.example']);
});

t.test('SRV records that do not resolve give nothing (no fall-back to the A record); "." means no service', async (t) => {
  const { dns } = zone({
    srv: { '_sip._udp.carrier.example': [srv(1, 5060, 'gone.carrier.example')], '_sip._tcp.carrier.example': [srv(1, 0, '.')] },
    a: { 'carrier.example': ['192.0.2.50'] },
  });
  t.same(await locateSipServer({ host: 'carrier.example' }, dns), []);
});

t.test('at most MAX_HOPS_PER_TARGET hops, however large the zone', async (t) => {
  const many = Array.from({ length: 40 }, (_, i) => srv(i, 5060, `s${i}.carrier.example`));
  const a = Object.fromEntries(many.map((r, i) => [r.name, [`192.0.2.${i + 1}`, `192.0.3.${i + 1}`]]));
  const { dns } = zone({ srv: { '_sip._udp.carrier.example': many }, a });
  t.equal((await locateSipServer({ host: 'carrier.example', transport: 'UDP' }, dns)).length, MAX_HOPS_PER_TARGET);
});

import t from 'tap';
import { CachedDns } from '../../src/core/locate/cached-dns.js';
import { locateSipServer } from '../../src/core/locate/locate.js';
import { startDnsServer } from '../helpers/dns-server.js';

/**
 * The RFC 3263 procedure against a real DNS server on 127.0.0.1 (the test
 * helper), through node's resolver as the service runs it: NAPTR, SRV and
 * A/AAAA decoded, and the answers cached for their TTL.
 */
const dns = await startDnsServer([
  { name: 'carrier.test', type: 'NAPTR', order: 10, preference: 10, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.carrier.test' },
  { name: 'carrier.test', type: 'NAPTR', order: 20, preference: 10, flags: 's', service: 'SIP+D2U', replacement: '_sip._udp.carrier.test' },
  { name: '_sip._tcp.carrier.test', type: 'SRV', priority: 10, weight: 0, port: 5080, target: 'tcp1.carrier.test' },
  { name: '_sip._udp.carrier.test', type: 'SRV', priority: 20, weight: 0, port: 5090, target: 'udp2.carrier.test' },
  { name: '_sip._udp.carrier.test', type: 'SRV', priority: 10, weight: 0, port: 5070, target: 'udp1.carrier.test' },
  { name: 'tcp1.carrier.test', type: 'A', address: '127.0.0.41', ttl: 1 },
  { name: 'udp1.carrier.test', type: 'A', address: '127.0.0.42' },
  { name: 'udp1.carrier.test', type: 'AAAA', address: '::1' },
  { name: 'udp2.carrier.test', type: 'AAAA', address: '2001:db8::43' },
]);
t.teardown(() => dns.close());

t.test('NAPTR, then SRV by priority, then each server A and AAAA, decoded from the wire', async (t) => {
  const cached = new CachedDns({ servers: [dns.server], timeoutMs: 1000, recordSeconds: 60, maxTtlSeconds: 3600, maxEntries: 100 });
  const hops = await locateSipServer({ host: 'carrier.test' }, cached);
  t.same(
    hops.map((h) => `${h.transport} ${h.address}:${h.port}`),
    ['TCP 127.0.0.41:5080', 'UDP 127.0.0.42:5070', 'UDP ::1:5070', 'UDP 2001:db8::43:5090'],
  );
  t.equal(hops[1]!.via, 'SRV _sip._udp.carrier.test -> udp1.carrier.test');
});

t.test('answers are cached for their TTL; a missing name is asked again only after a while', async (t) => {
  let now = 1_000_000;
  const cached = new CachedDns({ servers: [dns.server], timeoutMs: 1000, recordSeconds: 60, maxTtlSeconds: 3600, maxEntries: 100, now: () => now });
  const count = (q: string) => dns.questions.filter((x) => x === q).length;
  const before = count('A tcp1.carrier.test');
  t.same(await cached.addresses('tcp1.carrier.test'), ['127.0.0.41']);
  t.same(await cached.addresses('tcp1.carrier.test'), ['127.0.0.41']);
  t.equal(count('A tcp1.carrier.test'), before + 1, 'asked once');
  now += 1500; // its TTL is 1 s
  await cached.addresses('tcp1.carrier.test');
  t.equal(count('A tcp1.carrier.test'), before + 2, 'asked again once the TTL ran out');

  const srvBefore = count('SRV _sip._udp.carrier.test');
  await cached.srv('_sip._udp.carrier.test');
  now += 59_000;
  await cached.srv('_sip._udp.carrier.test');
  t.equal(count('SRV _sip._udp.carrier.test'), srvBefore + 1, 'SRV kept recordSeconds');

  t.same(await cached.addresses('nowhere.test'), [], 'NXDOMAIN: nothing');
  const nx = count('A nowhere.test');
  await cached.addresses('nowhere.test');
  t.equal(count('A nowhere.test'), nx, 'the failure is cached too');
});

t.test('a name with a port asks only A/AAAA', async (t) => {
  const cached = new CachedDns({ servers: [dns.server], timeoutMs: 1000, recordSeconds: 60, maxTtlSeconds: 3600, maxEntries: 100 });
  const mark = dns.questions.length;
  const hops = await locateSipServer({ host: 'udp1.carrier.test', port: 5099 }, cached);
  t.same(
    hops.map((h) => `${h.address}:${h.port}`),
    ['127.0.0.42:5099', '::1:5099'],
  );
  t.same(dns.questions.slice(mark).sort(), ['A udp1.carrier.test', 'AAAA udp1.carrier.test']);
});

import t from 'tap';
import type { DnsQueries } from '../../../src/core/locate/locate.js';
import { createLogger } from '../../../src/log.js';
import { SipResponse } from '../../../src/core/messages/index.js';
import { failoverReason } from '../../../src/routing/failover.js';
import { outboundRoutesInOrder } from '../../../src/routing/route-order.js';
import { hopLabel, RouteLocator, targetUri } from '../../../src/routing/route-locator.js';
import { Writable } from 'node:stream';

const r = (name: string, prefix: string, more: { priority?: number; weight?: number } = {}) => ({
  name,
  prefix,
  target: '192.0.2.1',
  transport: 'udp' as const,
  ...more,
});

t.test('routes in order: longest prefix first, then priority, then the file order', async (t) => {
  const routes = [
    r('all', ''),
    r('zero', '0'),
    r('m2', '090', { priority: 2 }),
    r('m1a', '090'),
    r('m1b', '090'),
    r('m0', '090', { priority: 0 }),
    r('other', '080'),
  ];
  t.same(
    outboundRoutesInOrder(routes, '09012345678').map((x) => x.name),
    ['m0', 'm1a', 'm1b', 'm2', 'zero', 'all'],
  );
  t.same(outboundRoutesInOrder(routes.slice(2, 3), '0312345678'), [], 'no match, no route');
});

t.test('routes of one priority with weights share by weight (RFC 2782)', async (t) => {
  const routes = [r('light', '090', { weight: 1 }), r('heavy', '090', { weight: 9 })];
  t.same(
    outboundRoutesInOrder(routes, '090', () => 0.05).map((x) => x.name),
    ['light', 'heavy'],
  );
  t.same(
    outboundRoutesInOrder(routes, '090', () => 0.5).map((x) => x.name),
    ['heavy', 'light'],
  );
  t.same(
    outboundRoutesInOrder([r('a', '090'), r('b', '090', { weight: 0 })], '090', () => 0.9).map((x) => x.name),
    ['a', 'b'],
    'absent counts as 1 once any route gives a weight',
  );
});

t.test('failover: no response, 503, 408 move on; other answers stand; never after the call progressed', async (t) => {
  const failed = (status?: number, silent = status === undefined) => ({
    kind: 'failed' as const,
    ...(status ? { response: new SipResponse(status, 'x') } : {}),
    silent,
    ringTimeout: false,
  });
  t.equal(failoverReason(failed(), false), 'no response');
  t.equal(failoverReason(failed(503), false), '503');
  t.equal(failoverReason(failed(408), false), '408');
  for (const status of [404, 480, 486, 500, 600, 603]) t.equal(failoverReason(failed(status), false), undefined, String(status));
  t.equal(failoverReason(failed(503), true), undefined, 'after a 180: the 503 stands');
  t.equal(failoverReason(failed(), true), undefined, 'after a 180: silence stands too');
  t.equal(failoverReason({ kind: 'cancelled' }, false), undefined);
});

function logSink(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger('info', sink), lines };
}

const dns = (addresses: string[]): DnsQueries => ({ naptr: async () => [], srv: async () => [], addresses: async () => addresses });

t.test('the locator: a DNS answer naming loopback, multicast or the unspecified address is dropped and logged; a literal target is kept', async (t) => {
  const { log, lines } = logSink();
  const locator = new RouteLocator({ dns: dns(['127.0.0.1', '0.0.0.0', '224.0.0.1', '192.0.2.9', '::1']), allowLoopback: false, log });
  const hops = await locator.hops({ name: 'carrier', target: 'carrier.example:5070' });
  t.same(
    hops.map((h) => h.address),
    ['192.0.2.9'],
  );
  await new Promise((resolve) => setImmediate(resolve));
  t.same(
    lines.filter((l) => l.event === 'security.dns_address_refused').map((l) => l.address),
    ['127.0.0.1', '0.0.0.0', '224.0.0.1', '::1'],
  );
  t.match(
    lines.find((l) => l.event === 'security.dns_address_refused'),
    { route: 'carrier', target: 'carrier.example:5070', why: /loopback/ },
  );

  const rig = new RouteLocator({ dns: dns(['127.0.0.1']), allowLoopback: true, log });
  t.same(
    (await rig.hops({ name: 'c', target: 'carrier.example:5070' })).map((h) => h.address),
    ['127.0.0.1'],
    'a test rig may allow loopback',
  );
  t.same(
    (await locator.hops({ name: 'c', target: '127.0.0.1:5070' })).map((h) => h.address),
    ['127.0.0.1'],
    'written by the operator: used as it is',
  );
  t.same(await locator.hops({ name: 'c', target: 'not a target' }), []);
});

t.test('the Request-URI keeps a DNS name as its host; an address target names the hop', async (t) => {
  const hop = { transport: 'TCP' as const, address: '192.0.2.9', port: 5070, via: 'SRV _sip._tcp.carrier.example -> sip1.carrier.example' };
  t.equal(targetUri('0312345678', { name: 'c', target: 'carrier.example' }, hop), 'sip:0312345678@carrier.example;transport=tcp');
  t.equal(targetUri('0312345678', { name: 'c', target: '192.0.2.9:5070' }, { ...hop, transport: 'UDP', via: 'literal' }), 'sip:0312345678@192.0.2.9:5070');
  t.equal(hopLabel(hop), 'TCP 192.0.2.9:5070 (SRV _sip._tcp.carrier.example -> sip1.carrier.example)');
});

t.test('addresses DNS gave for a target are remembered as route targets (in-dialog guard, bans); refused ones are not', async (t) => {
  const { log } = logSink();
  const locator = new RouteLocator({ dns: dns(['192.0.2.9', '2001:DB8::9', '127.0.0.1']), allowLoopback: false, log });
  t.notOk(locator.isLocatedAddress('192.0.2.9'), 'nothing located yet');
  await locator.hops({ name: 'carrier', target: 'carrier.example' });
  t.ok(locator.isLocatedAddress('192.0.2.9'));
  t.ok(locator.isLocatedAddress('2001:db8::9'), 'any textual form');
  t.notOk(locator.isLocatedAddress('127.0.0.1'), 'a refused answer is not a carrier');
  t.notOk(locator.isLocatedAddress('192.0.2.10'));
});

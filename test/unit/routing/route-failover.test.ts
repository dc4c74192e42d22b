// Several routes per prefix and failover between them, with the call world's
// fake proxy (call-world.ts): the order tried, when the call moves on (no
// answer, 503, 408) and when it stops (another final answer, or after ringing),
// and what the decision log says.
import t from 'tap';
import { world } from './call-world.js';

const MOBILE = '09012345678';
const route = (name: string, prefix: string, host: number, more: { priority?: number; weight?: number } = {}) => ({
  name,
  prefix,
  target: `127.0.0.${host}:5070`,
  transport: 'udp' as const,
  ...more,
});

t.test('the first route of a prefix answers 503: the call moves to the second, and the decision log says why', async (t) => {
  const w = world();
  w.routes.push(route('carrier-a', '090', 61), route('carrier-b', '090', 62));
  w.behaviour.set('route carrier-a', 503);
  const call = await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => [o.sipId, o.uri]),
    [
      ['route carrier-a', `sip:${MOBILE}@127.0.0.61:5070`],
      ['route carrier-b', `sip:${MOBILE}@127.0.0.62:5070`],
    ],
  );
  t.same(call.sent, [], 'answered by carrier-b');
  t.match(
    w.events('call.decision', (l) => l.stage === 'outbound-route'),
    [
      { outcome: 'route', target: 'carrier-a', hop: 'UDP 127.0.0.61:5070' },
      { outcome: 'failover', target: 'carrier-a', reason: '503' },
      { outcome: 'route', target: 'carrier-b', hop: 'UDP 127.0.0.62:5070' },
    ],
  );
});

t.test('no answer and 408 move on too; a silent target is left after routing.failoverTimeout, the last one waits for Timer B', async (t) => {
  const w = world();
  w.routes.push(route('a', '090', 61), route('b', '090', 62), route('c', '090', 63));
  w.behaviour.set('route a', 'silent');
  w.behaviour.set('route b', 408);
  await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => [o.sipId, o.noResponseTimeoutMs]),
    [
      ['route a', 2000],
      ['route b', 2000],
      ['route c', 32_000],
    ],
  );
  t.same(
    w.events('call.decision', (l) => l.outcome === 'failover').map((l) => [l.target, l.reason]),
    [
      ['a', 'no response'],
      ['b', '408'],
    ],
  );
});

t.test('another final answer stands (486): no failover', async (t) => {
  const w = world();
  w.routes.push(route('a', '090', 61), route('b', '090', 62));
  w.behaviour.set('route a', 486);
  const call = await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route a'],
  );
  t.same(
    call.sent.map((r) => r.status),
    [486],
    "the carrier's busy goes back to the caller",
  );
});

t.test('once the far end rang (180), a 503 is not failed over (RFC 3263 §4.3: the call was progressing)', async (t) => {
  const w = world();
  w.routes.push(route('a', '090', 61), route('b', '090', 62));
  w.behaviour.set('route a', { ringsThen: 503 });
  const call = await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route a'],
  );
  t.same(
    call.sent.map((r) => r.status),
    [503],
  );
  t.same(
    w.events('call.decision', (l) => l.outcome === 'failover'),
    [],
  );
});

t.test('priority orders the routes of a prefix; then the shorter prefixes; every target failing: the best answer', async (t) => {
  const w = world();
  w.routes.push(route('all', '0', 60), route('second', '090', 61, { priority: 5 }), route('first', '090', 62, { priority: 0 }));
  for (const name of ['all', 'second', 'first']) w.behaviour.set(`route ${name}`, 503);
  w.behaviour.set('route all', 480);
  const call = await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route first', 'route second', 'route all'],
  );
  t.same(
    call.sent.map((r) => r.status),
    [480],
    "the catch-all route's 480, not a 503",
  );
});

t.test('a down route among several of one prefix is skipped for the next one of that prefix', async (t) => {
  const w = world({ downRoutes: new Set(['a']) });
  w.routes.push(route('a', '090', 61), route('b', '090', 62), route('all', '0', 60));
  await w.invite(MOBILE, 'line');
  t.same(
    w.offers.map((o) => o.sipId),
    ['route b'],
  );
  t.match(
    w.events('call.decision', (l) => l.stage === 'outbound-route'),
    [
      { outcome: 'skipped', target: 'a', reason: 'target down' },
      { outcome: 'route', target: 'b' },
    ],
  );
});

t.test('the emergency and voice-mail routes are tried the same way (one route, its one target here)', async (t) => {
  const w = world();
  w.voicemail.route = { name: 'vm', target: '127.0.0.80:5080', transport: 'udp' };
  w.behaviour.set('route vm', 503);
  w.emergencyRoutes.push({ name: 'em', areaCodes: ['03'], target: '127.0.0.70:5060', transport: 'udp' });
  w.behaviour.set('route em', 'silent');
  const call = await w.invite('110', 'line');
  t.same(
    w.offers.map((o) => [o.sipId, o.noResponseTimeoutMs]),
    [['route em', 32_000]],
    'the only target waits for Timer B',
  );
  t.same(
    call.sent.map((r) => r.status),
    [408],
    'no answer at all: 408',
  );
});

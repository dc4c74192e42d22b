import { Writable } from 'node:stream';
import t from 'tap';
import type { Destination } from '../../../src/core/transport/transport.js';
import type { TrunkStateChange } from '../../../src/events/trunk-events.js';
import { createLogger } from '../../../src/log.js';
import type { PingResult, TargetHealth } from '../../../src/monitoring/health.js';
import { TargetMonitor } from '../../../src/monitoring/monitor.js';

/** The monitor's round with fakes: a shared lease table, a shared health table, a scripted pinger. */
function shared() {
  const leases = new Map<string, string>();
  const health = new Map<string, TargetHealth>();
  return {
    leases,
    health,
    store: {
      lease: async (id: string, nodeId: string) => {
        if (leases.has(id)) return false;
        leases.set(id, nodeId);
        return true;
      },
      update: async (id: string, next: (p: TargetHealth | null) => TargetHealth) => {
        const before = health.get(id) ?? null;
        const after = next(before);
        health.set(id, after);
        return { before, after };
      },
      prune: async (keep: ReadonlySet<string>) => {
        for (const id of [...health.keys()]) if (!keep.has(id)) health.delete(id);
      },
    },
  };
}

function monitor(nodeId: string, world: ReturnType<typeof shared>, answer: (d: Destination) => PingResult, changes: TrunkStateChange[], pinged: string[]) {
  return new TargetMonitor({
    settings: { intervalMs: 1000, downAfter: 2, upAfter: 1, scope: { peers: true, ipTrunks: true, routes: true } },
    nodeId,
    provisioned: async () => ({
      peers: [{ name: 'carrier-b', addresses: ['192.0.2.7'] }],
      ipLines: [{ sipId: 'gw1', allowedAddresses: ['198.51.100.9'] }],
      routes: [{ name: 'mobile', prefix: '090', target: '192.0.2.7:5060', transport: 'udp' }],
    }),
    health: world.store,
    pinger: {
      ping: async (d) => {
        pinged.push(`${nodeId} ${d.address}`);
        return answer(d);
      },
    },
    report: (c) => changes.push(c),
    log: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    now: () => 0,
  });
}

t.test('two nodes, one round: each target is pinged once, by the node that won its lease', async (t) => {
  const world = shared();
  const pinged: string[] = [];
  const a = monitor('a', world, () => ({ status: 200 }), [], pinged);
  const b = monitor('b', world, () => ({ status: 200 }), [], pinged);
  await Promise.all([a.round(), b.round()]);
  t.equal(pinged.length, 2, 'two targets, two pings in all');
  t.same(new Set(pinged.map((p) => p.split(' ')[1])), new Set(['192.0.2.7', '198.51.100.9']));
});

t.test('a change is reported once per subject: peer and route of one address, the IP trunk as trunk.state', async (t) => {
  const world = shared();
  const changes: TrunkStateChange[] = [];
  const m = monitor('a', world, () => ({ error: 'timeout' }), changes, []);
  await m.round();
  world.leases.clear();
  t.same(changes, [], 'one failure: nothing yet');
  await m.round();
  t.same(
    changes.map((c) => [c.event, c.event === 'peer.state' ? `${c.kind} ${c.name}` : c.sipId, c.state, c.previous]),
    [
      ['peer.state', 'peer carrier-b', 'down', 'up'],
      ['peer.state', 'route mobile', 'down', 'up'],
      ['trunk.state', 'gw1', 'down', 'up'],
    ],
  );
  world.leases.clear();
  await m.round();
  t.equal(changes.length, 3, 'still down: no new change');
});

t.test('a target no longer provisioned is forgotten', async (t) => {
  const world = shared();
  world.health.set('UDP 203.0.113.1:5060', { state: 'down', failures: 9, successes: 0, since: 0, lastAt: 0 });
  await monitor('a', world, () => ({ status: 200 }), [], []).round();
  t.notOk(world.health.has('UDP 203.0.113.1:5060'));
});

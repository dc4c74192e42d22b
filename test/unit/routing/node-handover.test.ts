import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../../src/log.js';
import { decodeFlow } from '../../../src/proxy/flow.js';
import { LocalIdentity } from '../../../src/proxy/record-route.js';
import { ProxySigner } from '../../../src/proxy/signing.js';
import type { Binding } from '../../../src/registrar/binding.js';
import { NodeHandover } from '../../../src/routing/node-handover.js';
import type { NodeRecord } from '../../../src/store/node-store.js';

/** Which way a binding held by another node is reached: through that node while it is live (TCP and WS alike), else not. */
const signer = new ProxySigner(Buffer.alloc(32, 3));
const nodeB = new LocalIdentity(new Map([['UDP', { host: '192.0.2.2', port: 5060 }]]), [], 'ss.test', 'node-b');
const nodeA: NodeRecord = { id: 'node-a', host: '192.0.2.1', port: 5070, liveUntil: 10_000 };

function setup(now = 1_000) {
  const handover = new NodeHandover({
    nodes: { live: async (id, at) => (id === nodeA.id && nodeA.liveUntil > at ? nodeA : null), liveAt: async () => null },
    identity: nodeB,
    signer,
    proxy: { relay: async () => ({ kind: 'cancelled' }), checkForwardable: () => undefined },
    sip: { connectionPeer: () => undefined },
    log: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    now: () => now,
  });
  return handover;
}

function binding(source: Binding['source']): Binding {
  return { key: 'k', uri: 'sip:x@x.invalid;transport=ws', expiresAt: 2e12, callId: 'c', cseq: 1, path: [], source, registeredAt: 0 };
}

for (const transport of ['TCP', 'TLS', 'WS', 'WSS'] as const) {
  t.test(`a ${transport} connection node A holds: through node A, the Route naming the connection there`, async (t) => {
    const connectionId = `${transport.toLowerCase()}-0a1b-2`;
    const via = await setup().viaNode(binding({ transport, address: '203.0.113.4', port: 40000, node: 'node-a', connectionId }), 'call-1');
    t.match(via, { kind: 'via', node: 'node-a', destination: { transport: 'UDP', address: '192.0.2.1', port: 5070 } });
    const user = /^<sip:([^@]+)@192\.0\.2\.1:5070;lr;noderoute=/.exec(via?.kind === 'via' ? via.route : '')?.[1];
    t.same(decodeFlow(user ?? ''), { transport, connectionId, node: 'node-a' }, 'its flow token');
  });
}

t.test('node A not live: dead; our own connection or a UDP binding: not this way at all', async (t) => {
  const tcp = binding({ transport: 'TCP', address: '203.0.113.4', port: 40000, node: 'node-a', connectionId: 'tcp-0a1b-2' });
  t.same(await setup(20_000).viaNode(tcp, 'call-1'), { kind: 'dead', node: 'node-a' });
  t.equal(await setup().viaNode({ ...tcp, source: { ...tcp.source, node: 'node-b' } }, 'call-1'), undefined);
  t.equal(await setup().viaNode(binding({ transport: 'UDP', address: '203.0.113.4', port: 40000, node: 'node-a' }), 'call-1'), undefined);
});

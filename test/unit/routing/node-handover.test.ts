import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../../src/log.js';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import type { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import type { Destination } from '../../../src/core/transport/transport.js';
import { decodeFlow, encodeFlow } from '../../../src/proxy/flow.js';
import { nodeRoute } from '../../../src/proxy/node-route.js';
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
    sip: { connectionPeer: () => undefined, heldByOtherWorker: () => false },
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

/** An INVITE node A hands over to node B (from node A's address), naming a connection node B holds in the worker `owner`. */
t.test('receive: a connection a sibling worker holds is relayed through it, not refused 480', async (t) => {
  const nodeBRecord: NodeRecord = { id: 'node-b', host: '192.0.2.2', port: 5060, liveUntil: 10_000 };
  const flow = encodeFlow({ transport: 'TCP', connectionId: 'tcp-0a1b-2', node: 'node-b' });
  const route = nodeRoute(nodeBRecord, flow, 'ho-1', signer);
  const invite = parseMessage(
    Buffer.from(
      [
        'INVITE sip:x@203.0.113.4;transport=tcp SIP/2.0',
        'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK-ho1',
        `Route: ${route}`,
        'From: <sip:a@ss.test>;tag=f',
        'To: <sip:x@ss.test>',
        'Call-ID: ho-1',
        'CSeq: 1 INVITE',
        'Max-Forwards: 69',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipRequest;
  const run = async (heldByOtherWorker: boolean) => {
    const relayed: Destination[] = [];
    const answers: number[] = [];
    const handover = new NodeHandover({
      nodes: { live: async () => null, liveAt: async (address, port) => (address === nodeA.host && port === nodeA.port ? nodeA : null) },
      identity: nodeB,
      signer,
      proxy: {
        relay: async (_incoming, targets) => {
          relayed.push(...targets.map((target) => target.destination));
          return { kind: 'cancelled' };
        },
        checkForwardable: () => undefined,
      },
      sip: { connectionPeer: () => undefined, heldByOtherWorker: (id) => heldByOtherWorker && id === 'tcp-0a1b-2' },
      log: createLogger('silent', new Writable({ write: (_c, _e, done) => done() })),
    });
    const incoming = {
      message: invite,
      callId: 'ho-1',
      source: { transport: 'UDP', address: nodeA.host, port: nodeA.port },
      answered: false,
      respond: (status: number) => answers.push(status),
    } as unknown as IncomingRequest;
    t.equal(await handover.receive(incoming), true);
    return { relayed, answers };
  };
  const sibling = await run(true);
  t.same(sibling.relayed, [{ transport: 'TCP', address: '', port: 0, connectionId: 'tcp-0a1b-2' }], 'sent on the sibling worker’s connection');
  t.same(sibling.answers, [487], 'the relay outcome answered, not 480');
  const gone = await run(false);
  t.same(gone.relayed, [], 'no worker holds it: not relayed');
  t.same(gone.answers, [480]);
});

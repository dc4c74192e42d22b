import t from 'tap';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import { encodeFlow } from '../../../src/proxy/flow.js';
import { nodeHandOver, nodeRoute } from '../../../src/proxy/node-route.js';
import { LocalIdentity } from '../../../src/proxy/record-route.js';
import { ProxySigner } from '../../../src/proxy/signing.js';

/** The node-to-node Route: made by one node, taken by the node holding the connection only when it checks out. */
const signer = new ProxySigner(Buffer.alloc(32, 9));
const nodeA = new LocalIdentity(new Map([['UDP', { host: '192.0.2.1', port: 5060 }]]), [], 'ss.test', 'node-a');
const flow = encodeFlow({ transport: 'TCP', connectionId: 'tcp-0a1b-4', node: 'node-a' });

function invite(route: string | undefined, callId = 'hand-1'): SipRequest {
  const lines = [
    'INVITE sip:0312340001@pbx.invalid;transport=tcp SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.2:5060;branch=z9hG4bK-b1',
    ...(route ? [`Route: ${route}`] : []),
    'From: <sip:0312340002@ss.test>;tag=f1',
    'To: <sip:0312340001@ss.test>',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    'Content-Length: 0',
    '',
    '',
  ];
  return parseMessage(Buffer.from(lines.join('\r\n'))) as SipRequest;
}

t.test("another node's Route for this call and one of our connections is a hand-over", async (t) => {
  const route = nodeRoute({ host: '192.0.2.1', port: 5060 }, flow, 'hand-1', signer);
  t.match(route, /^<sip:tcp-0a1b-4\.[^@]+@192\.0\.2\.1:5060;lr;noderoute=[A-Za-z0-9_-]+>$/);
  t.same(nodeHandOver(invite(route), nodeA, signer), { kind: 'relay', flow: { transport: 'TCP', connectionId: 'tcp-0a1b-4', node: 'node-a' } });
});

t.test('no Route, a Route of someone else, or ours without the node signature: not a hand-over (routed as usual)', async (t) => {
  t.same(nodeHandOver(invite(undefined), nodeA, signer), { kind: 'none' });
  t.same(nodeHandOver(invite(`<sip:${flow}@198.51.100.7:5060;lr;noderoute=x>`), nodeA, signer), { kind: 'none' });
  t.same(nodeHandOver(invite('<sip:192.0.2.1:5060;lr>'), nodeA, signer), { kind: 'none' });
});

t.test('refused: a wrong key, another call, a flow of another node, a UDP flow', async (t) => {
  const other = new ProxySigner(Buffer.alloc(32, 1));
  t.match(nodeHandOver(invite(nodeRoute({ host: '192.0.2.1', port: 5060 }, flow, 'hand-1', other)), nodeA, signer), { kind: 'refuse', reason: /not signed/ });
  t.match(nodeHandOver(invite(nodeRoute({ host: '192.0.2.1', port: 5060 }, flow, 'hand-1', signer), 'hand-2'), nodeA, signer), {
    kind: 'refuse',
    reason: /not signed/,
  });
  const elsewhere = encodeFlow({ transport: 'TCP', connectionId: 'tcp-0a1b-4', node: 'node-c' });
  t.match(nodeHandOver(invite(nodeRoute({ host: '192.0.2.1', port: 5060 }, elsewhere, 'hand-1', signer)), nodeA, signer), {
    kind: 'refuse',
    reason: /not of this node/,
  });
  const udp = encodeFlow({ transport: 'UDP', address: '203.0.113.9', port: 5060 });
  t.match(nodeHandOver(invite(nodeRoute({ host: '192.0.2.1', port: 5060 }, udp, 'hand-1', signer)), nodeA, signer), {
    kind: 'refuse',
    reason: /no connection flow/,
  });
});

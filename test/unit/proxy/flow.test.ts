import t from 'tap';
import { decodeFlow, encodeFlow, flowFor, type Flow } from '../../../src/proxy/flow.js';

/** Flow tokens (RFC 5626 §5.3 style) in our Record-Route: what a client behind NAT or on a connection is reached by. */

t.test('a flow survives the trip through a token; the token is URI-safe', async (t) => {
  const flows: Flow[] = [
    { transport: 'UDP', address: '203.0.113.7', port: 5167 },
    { transport: 'UDP', address: '2001:db8::7', port: 5060 },
    { transport: 'TCP', connectionId: 'tcp-0a1b2c3d-12', node: 'node-a' },
    { transport: 'WS', connectionId: 'ws-0a1b2c3d-3', node: 'tokyo/1' },
    { transport: 'TLS', connectionId: 'tls-0a1b2c3d-5', node: 'node-a' },
    { transport: 'WSS', connectionId: 'wss-0a1b2c3d-6', node: 'node-b' },
    { transport: 'TCP', connectionId: 'tcp-0a1b2c3dw2-7', node: 'node-a' }, // held by worker 2 of its node
  ];
  for (const flow of flows) {
    const token = encodeFlow(flow);
    t.match(token, /^[A-Za-z0-9._-]+$/, token);
    t.same(decodeFlow(token), flow);
  }
});

t.test('strings that are not flow tokens are refused', async (t) => {
  for (const token of [
    'alice',
    'ws-7',
    'udp.MTI3LjAuMC4x.0',
    'udp.MTI3LjAuMC4x.70000',
    'udp.ZXZpbC5leGFtcGxl.5060',
    'tcp-x.bm9kZQ',
    'sctp-1.bm9kZQ',
    'tcp-0a1bw-1.bm9kZQ',
    'tcp-0a1bwx2-1.bm9kZQ',
  ]) {
    t.equal(decodeFlow(token), undefined, token);
  }
});

t.test('UDP: a flow only when the Contact is not where the request came from (NAT)', async (t) => {
  const end = { transport: 'UDP' as const, address: '203.0.113.7', port: 5167 };
  t.same(flowFor(end, '<sip:0312340001@192.168.1.20:5199>', 'n'), { transport: 'UDP', address: '203.0.113.7', port: 5167 }, 'private Contact');
  t.same(flowFor(end, 'sip:0312340001@203.0.113.7:5199', 'n'), { transport: 'UDP', address: '203.0.113.7', port: 5167 }, 'same address, another port');
  t.equal(flowFor(end, '"Alice" <sip:0312340001@203.0.113.7:5167>;expires=60', 'n'), undefined, 'the Contact is the source');
  t.equal(flowFor({ ...end, port: 5060 }, 'sip:pbx@203.0.113.7', 'n'), undefined, 'default port');
  t.same(flowFor(end, undefined, 'n'), { transport: 'UDP', address: '203.0.113.7', port: 5167 }, 'no Contact at all');
});

t.test('TCP and WS: the connection, named with the node that holds it; none when no connection is known', async (t) => {
  const tcp = { transport: 'TCP' as const, address: '203.0.113.7', port: 40001, connectionId: 'tcp-0a1b2c3d-4' };
  t.same(flowFor(tcp, 'sip:pbx@203.0.113.7:40001;transport=tcp', 'node-a'), { transport: 'TCP', connectionId: 'tcp-0a1b2c3d-4', node: 'node-a' });
  t.equal(
    flowFor({ transport: 'TCP', address: '198.51.100.1', port: 5060 }, 'sip:carrier@198.51.100.1;transport=tcp', 'node-a'),
    undefined,
    'a connection we open',
  );
});

t.test('TLS and WSS: the connection, like TCP and WS (a client on TLS is called back over that connection)', async (t) => {
  const end = { transport: 'TLS' as const, address: '203.0.113.7', port: 40002, connectionId: 'tls-0a1b2c3d-9' };
  t.same(flowFor(end, 'sips:pbx@203.0.113.7:40002', 'node-a'), { transport: 'TLS', connectionId: 'tls-0a1b2c3d-9', node: 'node-a' });
  const wss = { transport: 'WSS' as const, address: '203.0.113.7', port: 40003, connectionId: 'wss-0a1b2c3d-2' };
  t.same(decodeFlow(encodeFlow(flowFor(wss, 'sip:x@df7jal23ls0d.invalid;transport=ws', 'n')!)), {
    transport: 'WSS',
    connectionId: 'wss-0a1b2c3d-2',
    node: 'n',
  });
});

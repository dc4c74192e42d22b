import t from 'tap';
import { answer, callFromTrusted, registerTrunk, startCallStack, trunk } from '../helpers/call-harness.js';
import { describeSipp, receivedMessages } from '../helpers/sipp.js';

/**
 * Redis going away during calls (docs/product.md §7): an INVITE gets 503 with
 * Retry-After, the process keeps serving, and calls go through again once
 * Redis is back.
 */
const PEER_IP = '127.0.0.3';
const CALLED = '0312348001';
const bob = await trunk('bob', 'bob-pass-1234');
const document = {
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Resilience',
      sites: [{ id: '1000001', name: 'Site', lines: [{ sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: CALLED }] }],
    },
  ],
  routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
};
const stack = await startCallStack(document);
const node = stack.nodes[0]!;
await registerTrunk(node, bob);

t.test('Redis away: the INVITE gets 503 with Retry-After, and the server keeps serving', async (t) => {
  const since = node.mark();
  await stack.redis.pause();
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CALLED, from: '<sip:0612345678@peer.invalid;user=phone>', expect: 503 });
  t.equal(call.code, 0, 'the caller got 503', describeSipp(call));
  const answer503 = receivedMessages(call).find((m) => m.startsWith('SIP/2.0 503'));
  t.match(answer503, /\r\nRetry-After: \d+\r\n/, 'with Retry-After');
  const logged = await node.waitForEvent('store.unavailable', { since });
  t.equal(logged.method, 'INVITE');
  t.ok(node.running, 'the server process is still running');
});

t.test('Redis back: calls are routed again', async (t) => {
  const since = node.mark();
  await stack.redis.resume();
  await node.waitForEvent('redis.connected', { since, timeoutMs: 10_000 });
  // The test Redis keeps no data across a restart: provision and register again, as an operator would.
  await stack.provision(document);
  await registerTrunk(node, bob);
  const callee = await answer(node, 'call-callee.xml', bob);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CALLED, from: '<sip:0612345678@peer.invalid;user=phone>', expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal((await callee.done).code, 0, 'by the registered trunk');
});

import t from 'tap';
import { answer, API_PASSWORD, DOMAIN, registerTrunk, startCallStack, trunk } from '../helpers/call-harness.js';
import { apiClient } from '../helpers/api-client.js';
import { runSipp } from '../helpers/sipp.js';

/**
 * A node killed mid-call (docs/operations.md "Call detail records"): the
 * call's open record stops being refreshed, and the other node closes it
 * with endReason "node lost" — once — within `cdr.nodeLostAfter`.
 */
const PEER_IP = '127.0.0.3';
const BOB = '0312340202';
const bob = await trunk('bob', 'bob-pw-123456');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Lost',
        sites: [{ id: '1000001', name: 'Site', lines: [{ sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: BOB }] }],
      },
    ],
    routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
  },
  2,
  { api: true, cdr: { nodeLostAfter: 3 } },
);
const [nodeA, nodeB] = stack.nodes as [(typeof stack.nodes)[0], (typeof stack.nodes)[0]];
await registerTrunk(nodeA, bob);

t.test('the node carrying an answered call dies: another node closes its record as "node lost"', async (t) => {
  const sinceA = nodeA.mark();
  const sinceB = nodeB.mark();
  const callee = await answer(nodeA, 'call-callee.xml', bob);
  const abort = new AbortController();
  t.teardown(() => {
    abort.abort();
    callee.stop();
  });
  // The call is held for 20 s: it is up when node A dies.
  const caller = runSipp({
    scenario: 'call-caller-trusted.xml',
    target: { port: nodeA.port },
    localIp: PEER_IP,
    timeoutSec: 30,
    recvTimeoutMs: 12_000,
    signal: abort.signal,
    keys: {
      called: BOB,
      domain: DOMAIN,
      from: '<sip:0612345678@pstn.invalid;user=phone>',
      privacy: 'none',
      extra: 'X-None: 1',
      expect: '200',
      hold: '20000',
    },
  });
  void caller.catch(() => undefined);
  const outcome = await nodeA.waitForEvent('call.outcome', { since: sinceA, where: (l) => l.status === 200, timeoutMs: 10_000 });
  const callId = String(outcome.callId);
  // The call talks for a moment (its answer is stored as it is relayed), then node A dies.
  await new Promise((r) => setTimeout(r, 500));
  nodeA.kill();

  const record = await nodeB.waitForEvent('call.record', { since: sinceB, where: (l) => l.callId === callId, timeoutMs: 20_000 });
  t.equal(record.endReason, 'node lost');
  t.equal(record.endedBy, 'system');
  t.equal(record.node, 'node-a', 'the node that carried the call');
  t.equal(record.closedBy, 'node-b', 'closed by the survivor');
  t.equal(record.outcome, 'answered', 'it had been answered');
  t.ok(record.answeredAt, 'with its answer time');

  // Another sweep or two: still exactly one record.
  await new Promise((r) => setTimeout(r, 2500));
  const api = apiClient(stack.configs[1]!.apiPort!);
  const token = await api.login('operator', API_PASSWORD);
  const res = await api.get(token, `/cdrs?from=${encodeURIComponent(new Date(Date.now() - 600_000).toISOString())}`);
  t.equal(res.status, 200);
  const mine = (res.json() as { records: Array<{ callId: string; endReason: string }> }).records.filter((r) => r.callId === callId);
  t.equal(mine.length, 1, 'one record for the call');
  t.equal(mine[0]?.endReason, 'node lost');
});

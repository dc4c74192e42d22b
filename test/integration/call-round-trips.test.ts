import t, { type Test } from 'tap';
import { answer, callFromTrusted, receivedInvite, registerTrunk, requestUri, settled, startCallStack, trunk } from '../helpers/call-harness.js';
import { RedisMonitor } from '../helpers/redis-monitor.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * What a call's settings cost the store, counted with Redis' MONITOR: the
 * option subscriptions (written by provisioning only) come from the node's
 * copy once the number was seen, and the forwarding stage looks the bulk
 * group up once per plan. A provisioning change still counts at once.
 */
const PEER_IP = '127.0.0.3';
const CAROL = '0312340051';
const DAVE = '0312340052';
const carol = await trunk('carol-rt', 'carol-pw-789xyz');
const dave = await trunk('dave-rt', 'dave-pw-246abc');
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Round trips',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: carol.sipId, password: carol.password, auth: 'digest', channels: 4, basicNumber: CAROL },
            { sipId: dave.sipId, password: dave.password, auth: 'digest', channels: 4, basicNumber: DAVE },
          ],
        },
      ],
    },
  ],
  features: { [CAROL]: { forwarding: { enabled: true, unconditional: true, destinations: [DAVE] } } },
  options: { numbers: { [CAROL]: ['forwarding'] } },
  routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
});
const node = stack.nodes[0]!;
await registerTrunk(node, carol);
await registerTrunk(node, dave);
const monitor = await RedisMonitor.open(stack.redis.url);
t.teardown(() => monitor.close());
const presented = '<sip:0612345678@pstn.invalid;user=phone>';

/** One forwarded call to CAROL; the store commands it cost. */
async function forwardedCall(t: Test) {
  await monitor.mark();
  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', dave);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: presented, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${DAVE}@`), 'forwarded to dave');
  await settled(node, since, call);
  return monitor.mark();
}

const reads = (commands: Awaited<ReturnType<RedisMonitor['mark']>>, key: string) => commands.filter((c) => c.args[0]?.includes(key)).length;

t.test('subscriptions are read once per number, then come from the copy; settings and groups once per plan', async (t) => {
  const first = await forwardedCall(t);
  t.ok(reads(first, 'opts:num:') > 0, 'the first call reads the subscriptions');
  const second = await forwardedCall(t);
  t.comment(`store commands of the second call: ${second.length} (${second.map((c) => `${c.name} ${c.args[0] ?? ''}`).join(', ')})`);
  t.equal(reads(second, 'opts:num:'), 0, 'the second call reads no number subscriptions');
  t.equal(reads(second, 'opts:site:'), 0, 'nor site subscriptions');
  // Two plans (CAROL, then DAVE after the forward), each looks its bulk group up once.
  t.equal(reads(second, 'bulkof:'), 2, 'one bulk-group look-up per plan (run and ring time share it)');
  t.equal(reads(second, 'huntof:'), 2, 'one hunt-group look-up per plan');
  // Per called number, one pipeline: EXISTS num, HGETALL feat, GET huntof, GET bulkof (test/integration/call-settings-round-trips.test.ts counts its round trips).
  const settings = second.filter((c) => /:(feat|huntof|bulkof):/.test(c.args[0] ?? '') || (c.name === 'exists' && (c.args[0] ?? '').includes(':num:')));
  t.equal(settings.length, 8, 'the two plans read four settings keys each, nothing more');
  t.equal(
    second.filter((c) => c.name === 'hget' && (c.args[0] ?? '').includes(':bulk:')).length,
    0,
    'no frozen destination read for a number in no bulk group',
  );
});

t.test('an unsubscribed option stops at once: the copies are dropped by the change', async (t) => {
  await stack.provision({ options: { numbers: { [CAROL]: [] } } });
  await monitor.mark();
  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', carol);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: presented, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${CAROL}@`), 'no longer forwarded: carol rings');
  await settled(node, since, call);
  t.ok(reads(await monitor.mark(), 'opts:num:') > 0, 'the subscriptions were read again');
});

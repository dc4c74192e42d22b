import t from 'tap';
import { createLogger } from '../../src/log.js';
import { ChannelStore } from '../../src/store/channel-store.js';
import { createRedis } from '../../src/store/redis.js';
import { answer, callFrom, DOMAIN, headerValues, marks, registerTrunk, sippCallId, startCallStack, trunk } from '../helpers/call-harness.js';
import { describeSipp, receivedMessages, runSipp, type SippResult } from '../helpers/sipp.js';

/**
 * Session liveness (RFC 4028 session timers, in-dialog OPTIONS probes): a
 * call whose ends stop refreshing, or vanish, is ended by the server with a
 * BYE to each end that is left, its channels given back, `call.ended` and
 * the call record saying why; a call that refreshes stays up.
 */
const A = { number: '0312340301' };
const B = { number: '0312340302' };
const alice = await trunk('alice', 'alice-pass-123');
const bob = await trunk('bob', 'bob-secret-456');
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Liveness',
        sites: [
          {
            id: '1000001',
            name: 'Site',
            lines: [
              { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 1, basicNumber: A.number },
              { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 1, basicNumber: B.number },
            ],
          },
        ],
      },
    ],
  },
  1,
  // Probes every second, two unanswered in a row end the call: short enough for a test.
  { extra: { calls: { probeInterval: 1, probeFailures: 2 } } },
);
const [node] = stack.nodes;
await registerTrunk(node!, bob);
const redis = createRedis(stack.redis.url, 'call:', createLogger('silent'));
t.teardown(() => redis.disconnect());
const channels = new ChannelStore(redis);

/** A call from alice with session timers: `lapse` stops refreshing, `refresh` sends three re-INVITEs 1.5 s apart. */
function timedCall(kind: 'lapse' | 'refresh', se: number): Promise<SippResult> {
  return runSipp({
    scenario: `call-caller-session-${kind}.xml`,
    target: { port: node!.port },
    timeoutSec: 25,
    recvTimeoutMs: 12_000,
    authUri: `${B.number}@${DOMAIN}`,
    injection: [[alice.sipId, alice.password, B.number, A.number, DOMAIN]],
    keys: { se: String(se) },
  });
}

t.test('a session timer nobody refreshes: both ends get a BYE, channels come back, call.ended and the record say why', async (t) => {
  const since = marks(stack.nodes);
  const callee = await answer(node!, 'call-callee-session.xml', bob, { se: '4' });
  const caller = await timedCall('lapse', 4);
  const answered = await callee.done;
  t.equal(caller.code, 0, 'caller: answered, then a BYE from the server', describeSipp(caller));
  t.equal(answered.code, 0, 'callee: answered, then a BYE', describeSipp(answered));

  const callId = sippCallId(caller);
  for (const [who, result] of [
    ['caller', caller],
    ['callee', answered],
  ] as const) {
    const bye = receivedMessages(result).find((m) => m.startsWith('BYE '));
    t.ok(bye, `the ${who} got a BYE`);
    t.match(headerValues(bye, 'Call-ID')[0], callId ?? '-', `for its call`);
    t.match(headerValues(bye, 'Reason')[0] ?? '', /session expired/, 'saying why');
  }
  const ended = await node!.waitForEvent('call.ended', { since: since[0], where: (l) => l.callId === callId });
  t.equal(ended.reason, 'session expired', 'call.ended: session expired');
  const record = await node!.waitForEvent('call.record', { since: since[0], where: (l) => l.callId === callId });
  t.equal(record.endReason, 'session expired', 'the call record: session expired');
  t.equal(record.endedBy, 'system');
  t.equal(await channels.inUse('alice'), 0, "alice's channel is back");
  t.equal(await channels.inUse('bob'), 0, "bob's channel is back");
});

t.test('a call that refreshes its session timer stays up past the first expiry, until its own BYE', async (t) => {
  const since = marks(stack.nodes);
  const callee = await answer(node!, 'call-callee-session.xml', bob, { se: '4' });
  // Expiry after 4 s less the margin (4/3 s): refreshed every 1.5 s, the call lasts 4.5 s.
  const caller = await timedCall('refresh', 4);
  const answered = await callee.done;
  t.equal(caller.code, 0, 'caller: three refreshes answered, its own BYE answered', describeSipp(caller));
  t.equal(answered.code, 0, 'callee: three refreshes, then the BYE', describeSipp(answered));
  t.equal(receivedMessages(caller).filter((m) => m.startsWith('BYE ')).length, 0, 'the caller got no BYE from the server');
  const byes = receivedMessages(answered).filter((m) => m.startsWith('BYE '));
  t.equal(byes.length, 1, 'the callee got one BYE');
  t.same(headerValues(byes[0], 'Reason'), [], "the caller's own (no Reason of ours)");
  const callId = sippCallId(caller);
  const ended = await node!.waitForEvent('call.ended', { since: since[0], where: (l) => l.callId === callId });
  t.equal(ended.reason, 'BYE', 'call.ended: by BYE');
  const record = await node!.waitForEvent('call.record', { since: since[0], where: (l) => l.callId === callId });
  t.equal(record.endReason, 'BYE');
});

t.test('a call without session timers whose ends vanish is ended by the OPTIONS probe, its channels given back', async (t) => {
  const since = marks(stack.nodes);
  const callee = await answer(node!, 'call-callee.xml', bob);
  const hangUp = new AbortController();
  const caller = callFrom(node!, alice, { called: B.number, from: A.number, expect: 200, holdMs: 60_000, signal: hangUp.signal });
  const outcome = await node!.waitForEvent('call.outcome', { since: since[0], where: (l) => l.status === 200 });
  const callId = outcome.callId as string;
  // Both phones crash: nothing more comes from either end.
  hangUp.abort();
  callee.stop();
  await Promise.all([caller, callee.done]);
  t.equal(await channels.inUse('bob'), 1, 'the call holds its channel while nobody has noticed');

  const ended = await node!.waitForEvent('call.ended', { since: since[0], where: (l) => l.callId === callId, timeoutMs: 15_000 });
  t.match(ended.reason, /^peer gone: the (caller|callee) did not answer OPTIONS$/, 'call.ended: peer gone');
  const record = await node!.waitForEvent('call.record', { since: since[0], where: (l) => l.callId === callId });
  t.match(record.endReason, /^peer gone/, 'the call record: peer gone');
  // (No next call from bob's port here: our BYE to the vanished callee is still being retransmitted there.)
  t.equal(await channels.inUse('bob'), 0, "bob's channel is back");
  t.equal(await channels.inUse('alice'), 0, "alice's channel is back");
});

import t, { type Test } from 'tap';
import {
  answer,
  callAndCancel,
  callFrom,
  headerValues,
  receivedInvite,
  registerTrunk,
  requestUri,
  sippCallId,
  startCallStack,
  trunk,
  type Trunk,
  settled,
} from '../helpers/call-harness.js';
import { describeSipp, receivedMessages, type SippResult } from '../helpers/sipp.js';

/**
 * Call forwarding (docs/product.md §4.4) end to end: every trigger (unconditional;
 * busy by 486 and by the channel limit; no answer after the ring time;
 * unreachable when not registered, on 480, and when the trunk is silent for
 * 2 s), the Diversion header the destination gets, a destination that is one
 * of our numbers applying its own features, the international bar on a
 * forward, the 5-forward cap and loop detection.
 */
const CALLER = '0312340031';
const TARGET = '0312340033';
const INTL = '01012025550123';
const N = {
  unconditional: '0312340032',
  busy486: '0312340034',
  busyChannels: '0312340035',
  noAnswer: '0312340036',
  notRegistered: '0312340037',
  answers480: '0312340038',
  silent: '0312340039',
  toBlocking: '0312340040',
  blocking: '0312340041',
  toIntl: '0312340042',
};
/** Seven numbers of one line forwarding unconditionally one to the next (c1 -> c2 -> ... -> c7). */
const CHAIN = ['0312340071', '0312340072', '0312340073', '0312340074', '0312340075', '0312340076', '0312340077'];
/** Two numbers forwarding to each other. */
const LOOP = ['0312340081', '0312340082'];

const caller = await trunk('caller', 'caller-pw-1234');
const lines: Record<string, Trunk> = {};
const lineDefs: Array<{ name: string; number: string; channels?: number; dialIn?: string[] }> = [
  { name: 'target', number: TARGET },
  { name: 'fwdu', number: N.unconditional },
  { name: 'fwdb', number: N.busy486 },
  { name: 'fwdc', number: N.busyChannels, channels: 1 },
  { name: 'fwdn', number: N.noAnswer },
  { name: 'fwdr', number: N.notRegistered },
  { name: 'fwd480', number: N.answers480 },
  { name: 'fwds', number: N.silent },
  { name: 'fwdo', number: N.toBlocking },
  { name: 'blocker', number: N.blocking },
  { name: 'fwdi', number: N.toIntl },
  { name: 'chain', number: '0312340070', dialIn: [...CHAIN, ...LOOP] },
];
for (const d of lineDefs) lines[d.name] = await trunk(d.name, `${d.name}-pw-12345`);
const uncond = (to: string) => ({ forwarding: { enabled: true, unconditional: true, destinations: [to] } });
const on = (trigger: 'busy' | 'noAnswer' | 'unreachable', extra: Record<string, unknown> = {}) => ({
  forwarding: { enabled: true, [trigger]: true, destinations: [TARGET], ...extra },
});

const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Forwarding',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: caller.sipId, password: caller.password, auth: 'digest', channels: 10, basicNumber: CALLER },
            ...lineDefs.map((d) => ({
              sipId: d.name,
              password: lines[d.name]!.password,
              auth: 'digest',
              channels: d.channels ?? 10,
              basicNumber: d.number,
              dialInNumbers: d.dialIn ?? [],
            })),
          ],
        },
      ],
    },
  ],
  features: {
    [N.unconditional]: uncond(TARGET),
    [N.busy486]: on('busy'),
    [N.busyChannels]: on('busy'),
    [N.noAnswer]: on('noAnswer', { ringTime: 5 }),
    [N.notRegistered]: on('unreachable'),
    [N.answers480]: on('unreachable'),
    [N.silent]: on('unreachable'),
    [N.toBlocking]: uncond(N.blocking),
    [N.blocking]: { blockedCallers: [CALLER] },
    [N.toIntl]: { internationalBar: true, ...uncond(INTL) },
    ...Object.fromEntries(CHAIN.slice(0, -1).map((n, i) => [n, uncond(CHAIN[i + 1]!)])),
    [LOOP[0]!]: uncond(LOOP[1]!),
    [LOOP[1]!]: uncond(LOOP[0]!),
  },
});
const node = stack.nodes[0]!;
for (const name of ['target', 'fwdb', 'fwdc', 'fwdn', 'fwd480', 'fwds', 'chain']) await registerTrunk(node, lines[name]!);

const diversions = (invite: string | undefined) => headerValues(invite, 'Diversion');
const diversion = (from: string, reason: string) => `<sip:${from}@test.example;user=phone>;reason=${reason};counter=1`;

/** Call `called`, expect the target line to answer it; returns the INVITE the target got. */
async function forwardedToTarget(t: Test, called: string, during?: () => Promise<unknown>): Promise<{ invite?: string; call: SippResult }> {
  const target = await answer(node, 'call-callee.xml', lines.target!);
  const [call] = await Promise.all([callFrom(node, caller, { called, from: CALLER, expect: 200 }), during?.()]);
  const answered = await target.done;
  t.equal(call.code, 0, 'the caller is answered', describeSipp(call));
  t.equal(answered.code, 0, 'by the forwarding destination', describeSipp(answered));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${TARGET}@`), 'Request-URI: the destination number');
  t.match(headerValues(invite, 'P-Asserted-Identity')[0], new RegExp(`sip:${CALLER}@`), "the original caller's identity is kept");
  return { invite, call };
}

t.test('unconditional: retargeted at once, the line is not rung', async (t) => {
  const since = node.mark();
  const { invite, call } = await forwardedToTarget(t, N.unconditional);
  t.same(diversions(invite), [diversion(N.unconditional, 'unconditional')]);
  await settled(node, since, call);
  t.notOk(
    node.events('call.offer', since).some((l) => l.callId === sippCallId(call) && l.sipId === 'fwdu'),
    'fwdu not offered the call',
  );
});

t.test('busy: the line answers 486', async (t) => {
  const busy = await answer(node, 'call-callee-busy.xml', lines.fwdb!);
  const { invite } = await forwardedToTarget(t, N.busy486);
  t.equal((await busy.done).code, 0, 'the line was rung and answered 486');
  t.same(diversions(invite), [diversion(N.busy486, 'user-busy')]);
});

t.test('busy: every channel of the line in use (the line is not rung again)', async (t) => {
  const since = node.mark();
  // A first call rings the one-channel line and holds its channel for 2.5 s.
  const ringing = await answer(node, 'call-callee-ring.xml', lines.fwdc!);
  const first = callAndCancel(node, caller, { called: N.busyChannels, from: CALLER, holdMs: 2500 });
  await node.waitForEvent('call.offer', { since, where: (l) => l.sipId === 'fwdc' });
  const { invite, call } = await forwardedToTarget(t, N.busyChannels);
  t.same(diversions(invite), [diversion(N.busyChannels, 'user-busy')]);
  await settled(node, since, call);
  t.ok(
    node.events('call.busy', since).some((l) => l.callId === sippCallId(call) && l.sipId === 'fwdc'),
    'call.busy logged for fwdc',
  );
  t.equal((await first).code, 0, 'the first call was cancelled', describeSipp(await first));
  t.equal((await ringing.done).code, 0);
});

t.test('no answer: the line rings for the ring time (5 s), is cancelled, the call forwarded', async (t) => {
  const ringing = await answer(node, 'call-callee-ring.xml', lines.fwdn!);
  const started = Date.now();
  const { invite } = await forwardedToTarget(t, N.noAnswer);
  const rang = await ringing.done;
  t.equal(rang.code, 0, 'the line rang and got a CANCEL', describeSipp(rang));
  t.ok(Date.now() - started >= 4900, `forwarded after the ring time (${Date.now() - started} ms)`);
  t.same(diversions(invite), [diversion(N.noAnswer, 'no-answer')]);
});

t.test('unreachable: not registered', async (t) => {
  const { invite } = await forwardedToTarget(t, N.notRegistered);
  t.same(diversions(invite), [diversion(N.notRegistered, 'unavailable')]);
});

t.test('unreachable: the line answers 480', async (t) => {
  const refusing = await answer(node, 'call-callee-480.xml', lines.fwd480!);
  const { invite } = await forwardedToTarget(t, N.answers480);
  t.equal((await refusing.done).code, 0);
  t.same(diversions(invite), [diversion(N.answers480, 'unavailable')]);
});

t.test('unreachable: the trunk sends nothing at all for 2 s', async (t) => {
  const silent = await answer(node, 'call-callee-silent.xml', lines.fwds!);
  const started = Date.now();
  const { invite } = await forwardedToTarget(t, N.silent);
  const elapsed = Date.now() - started;
  t.ok(elapsed >= 1900 && elapsed < 6000, `forwarded after about 2 s (${elapsed} ms)`);
  t.same(diversions(invite), [diversion(N.silent, 'unavailable')]);
  await silent.done;
});

t.test('a destination that is one of our numbers applies its own features (its block list: 603)', async (t) => {
  const since = node.mark();
  const call = await callFrom(node, caller, { called: N.toBlocking, from: CALLER, expect: 603 });
  t.equal(call.code, 0, '603 from the destination', describeSipp(call));
  const id = sippCallId(call);
  // Log lines come through a pipe and may trail the SIP answer: wait for them.
  const forwarded = await node.waitForEvent('call.forwarded', { since, where: (l) => l.callId === id });
  t.equal(forwarded.to, N.blocking, 'forwarded first');
  const blocked = await node.waitForEvent('call.decision', {
    since,
    where: (l) => l.callId === id && l.stage === 'nuisance-blocking' && l.outcome === 'reject',
  });
  t.equal(blocked.status, 603, "then blocked by the destination's list");
});

t.test('forwarding abroad is refused when the forwarding number is barred', async (t) => {
  const since = node.mark();
  // The forward is refused, so the call goes to the (unregistered) line itself: 480.
  const call = await callFrom(node, caller, { called: N.toIntl, from: CALLER, expect: 480 });
  t.equal(call.code, 0, 'not forwarded: 480', describeSipp(call));
  const id = sippCallId(call);
  await settled(node, since, call);
  t.notOk(
    node.events('call.forwarded', since).some((l) => l.callId === id),
    'no call.forwarded',
  );
  t.notOk(
    node.events('call.decision', since).some((l) => l.callId === id && l.stage === 'outbound-route'),
    'nothing went out',
  );
});

t.test('a chain stops after 5 forwards', async (t) => {
  const since = node.mark();
  const chain = await answer(node, 'call-callee.xml', lines.chain!);
  const call = await callFrom(node, caller, { called: CHAIN[0]!, from: CALLER, expect: 200 });
  const answered = await chain.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${CHAIN[5]}@`), 'delivered to the sixth number (5 forwards made)');
  t.same(
    diversions(invite),
    CHAIN.slice(0, 5)
      .reverse()
      .map((n) => diversion(n, 'unconditional')),
    'five Diversion headers, most recent first',
  );
  await settled(node, since, call);
  t.equal(node.events('call.forwarded', since).filter((l) => l.callId === sippCallId(call)).length, 5);
});

t.test('a forwarding loop is detected: the call ends at the number that would close it', async (t) => {
  const chain = await answer(node, 'call-callee.xml', lines.chain!);
  const call = await callFrom(node, caller, { called: LOOP[0]!, from: CALLER, expect: 200 });
  const answered = await chain.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${LOOP[1]}@`), 'delivered to the second number');
  t.same(diversions(invite), [diversion(LOOP[0]!, 'unconditional')]);
  t.equal(receivedMessages(call).filter((m) => m.startsWith('SIP/2.0 200')).length >= 1, true);
});

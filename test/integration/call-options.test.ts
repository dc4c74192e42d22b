import t from 'tap';
import { answer, callFromTrusted, receivedInvite, registerTrunk, requestUri, settled, sippCallId, startCallStack, trunk } from '../helpers/call-harness.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Subscribed options on real calls (docs/product.md §4.6): the real server
 * process, SIPp, a real redis-server. An option configured and subscribed
 * acts; once the operator unsubscribes it (a provisioning file, as
 * `npm run provision` applies it) the next call behaves as if it were off,
 * while its settings stay stored; subscribed again, it starts in its default
 * state (anonymous rejection: reject).
 */
const PEER_IP = '127.0.0.3';
const CAROL = '0312340041'; // anonymous rejection and unconditional forwarding to DAVE, both configured
const DAVE = '0312340042';
const carol = await trunk('carol-opt', 'carol-pw-789xyz');
const dave = await trunk('dave-opt', 'dave-pw-246abc');
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Options',
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
  features: { [CAROL]: { anonymousRejection: true, forwarding: { enabled: true, unconditional: true, destinations: [DAVE] } } },
  options: { numbers: { [CAROL]: ['anonymous-rejection', 'forwarding'] } },
  routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
});
const node = stack.nodes[0]!;
await registerTrunk(node, carol);
await registerTrunk(node, dave);

const withheld = {
  from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
  privacy: 'id',
  identity: 'P-Asserted-Identity: <sip:0698765432@pstn.invalid;user=phone>',
};
const presented = '<sip:0612345678@pstn.invalid;user=phone>';
const subscribe = (options: string[]) => stack.provision({ options: { numbers: { [CAROL]: options } } });

t.test('subscribed and configured: anonymous rejection rejects, forwarding forwards', async (t) => {
  const since = node.mark();
  const rejected = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, ...withheld, expect: 433 });
  t.equal(rejected.code, 0, '433 Anonymity Disallowed', describeSipp(rejected));
  await settled(node, since, rejected);
  const callee = await answer(node, 'call-callee.xml', dave);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: presented, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.match(requestUri(receivedInvite(await callee.done)), new RegExp(`^sip:${DAVE}@`), 'forwarded to dave');
});

t.test('unsubscribed: the next call behaves as if both were off, and the settings stay stored', async (t) => {
  await subscribe([]);
  const stored = await stack.features.get(CAROL);
  t.equal(stored?.anonymousRejection, true, 'anonymous rejection still configured');
  t.equal(stored?.forwarding.unconditional, true, 'forwarding still configured');

  const since = node.mark();
  const callee = await answer(node, 'call-callee.xml', carol);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, ...withheld, expect: 200 });
  t.equal(call.code, 0, 'a withheld caller is answered', describeSipp(call));
  const answered = await callee.done;
  t.equal(answered.code, 0, 'by carol herself: not forwarded', describeSipp(answered));
  t.match(requestUri(receivedInvite(answered)), new RegExp(`^sip:${CAROL}@`));
  const decisions = node.events('call.decision', since).filter((l) => l.callId === sippCallId(call));
  t.same(
    decisions.filter((d) => d.stage === 'anonymous-rejection' || d.stage === 'forwarding').map((d) => [d.stage, d.outcome]),
    [
      ['anonymous-rejection', 'continue'],
      ['forwarding', 'continue'],
    ],
    'the stages ran and let the call through',
  );
});

t.test('subscribed again, anonymous rejection starts in its default state: reject', async (t) => {
  await stack.provision({ features: { [CAROL]: { anonymousRejection: false } } });
  await subscribe(['anonymous-rejection']);
  t.equal((await stack.features.get(CAROL))?.anonymousRejection, true, 'reset to reject by the subscription');
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, ...withheld, expect: 433 });
  t.equal(call.code, 0, '433 again', describeSipp(call));
});

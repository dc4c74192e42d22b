import t from 'tap';
import {
  answer,
  callFromTrusted,
  headerValues,
  receivedInvite,
  registerTrunk,
  requestUri,
  sippCallId,
  startCallStack,
  trunk,
  settled,
} from '../helpers/call-harness.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Terminating screening (docs/product.md §4.1, §4.2) on calls from an interconnect peer
 * (trusted by address, 127.0.0.3): nuisance-call blocking with its counter,
 * anonymous-call rejection (433) for withheld callers only.
 */
const PEER_IP = '127.0.0.3';
const CAROL = '0312340011'; // blocks BLOCKED, rejects anonymous calls
const DAVE = '0312340012'; // no screening
const BLOCKED = '0612345678';
const carol = await trunk('carol', 'carol-pw-789xyz');
const dave = await trunk('dave', 'dave-pw-246abc');
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Screening',
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
  features: { [CAROL]: { blockedCallers: [BLOCKED], anonymousRejection: true } },
  routing: { peers: [{ name: 'pstn', addresses: [PEER_IP] }] },
});
const node = stack.nodes[0]!;
await registerTrunk(node, carol);
await registerTrunk(node, dave);
const from = (number: string) => `<sip:${number}@pstn.invalid;user=phone>`;

t.test('a blocked caller gets 603 and the rejection is counted', async (t) => {
  const before = (await stack.features.nuisanceCounts(CAROL, new Date(), 'Asia/Tokyo')).thisMonth;
  for (let i = 1; i <= 2; i++) {
    const since = node.mark();
    const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: from(BLOCKED), expect: 603 });
    t.equal(call.code, 0, `call ${i}: 603 Decline`, describeSipp(call));
    const decision = await node.waitForEvent('call.decision', { since, where: (l) => l.callId === sippCallId(call) && l.stage === 'nuisance-blocking' });
    t.equal(decision.outcome, 'reject');
    await settled(node, since, call);
    t.notOk(
      node.events('call.offer', since).some((l) => l.callId === sippCallId(call)),
      'the line is not rung',
    );
  }
  const after = (await stack.features.nuisanceCounts(CAROL, new Date(), 'Asia/Tokyo')).thisMonth;
  t.equal(after - before, 2, 'two rejections counted this month');
});

t.test('a caller not on the list passes', async (t) => {
  const callee = await answer(node, 'call-callee.xml', carol);
  const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: from('0612345679'), expect: 200 });
  const answered = await callee.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal(answered.code, 0, 'carol answered', describeSipp(answered));
  t.match(requestUri(receivedInvite(answered)), new RegExp(`^sip:${CAROL}@`), 'the called number in the Request-URI');
});

t.test('a withheld caller gets 433 where anonymous calls are rejected', async (t) => {
  const call = await callFromTrusted(node, {
    ip: PEER_IP,
    called: CAROL,
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    privacy: 'id',
    extraHeader: 'P-Asserted-Identity: <sip:0698765432@pstn.invalid;user=phone>',
    expect: 433,
  });
  t.equal(call.code, 0, '433 Anonymity Disallowed', describeSipp(call));
});

t.test('unavailable and payphone callers are not withheld: they pass', async (t) => {
  const cases = [
    { what: 'unavailable (from abroad)', from: '"Unavailable" <sip:unavailable@unknown.invalid>' },
    { what: 'payphone', from: '<sip:0612345670;cpc=payphone@pstn.invalid;user=phone>' },
  ];
  for (const c of cases) {
    const callee = await answer(node, 'call-callee.xml', carol);
    const call = await callFromTrusted(node, { ip: PEER_IP, called: CAROL, from: c.from, expect: 200 });
    t.equal(call.code, 0, `${c.what}: answered`, describeSipp(call));
    t.equal((await callee.done).code, 0, `${c.what}: carol answered`);
  }
});

t.test('a withheld caller reaches a line without anonymous rejection, without its identity', async (t) => {
  const callee = await answer(node, 'call-callee.xml', dave);
  const call = await callFromTrusted(node, {
    ip: PEER_IP,
    called: DAVE,
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>',
    privacy: 'id',
    extraHeader: 'P-Asserted-Identity: <sip:0698765432@pstn.invalid;user=phone>',
    expect: 200,
  });
  const answered = await callee.done;
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const invite = receivedInvite(answered);
  t.match(headerValues(invite, 'From')[0], /anonymous\.invalid/, 'From stays anonymous');
  t.same(headerValues(invite, 'Privacy'), ['id'], 'Privacy: id');
  t.same(headerValues(invite, 'P-Asserted-Identity'), [], 'no P-Asserted-Identity towards a customer trunk');
});

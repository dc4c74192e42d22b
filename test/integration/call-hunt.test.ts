import t from 'tap';
import {
  answer,
  callFrom,
  receivedInvite,
  registerTrunk,
  requestUri,
  startCallStack,
  trunk,
  type Callee,
  type Trunk,
  settled,
} from '../helpers/call-harness.js';
import { describeSipp } from '../helpers/sipp.js';

/**
 * Hunt groups (docs/product.md §4.5) on two nodes sharing one Redis: sequential search
 * from the pilot skipping busy and unreachable members, 486 when every
 * member is busy, and round robin continuing from one node to the other.
 */
const CALLER = '0312340050';
const SEQ = ['0312340051', '0312340052', '0312340053']; // pilot, members
const RR = ['0312340061', '0312340062', '0312340063'];
const caller = await trunk('caller', 'caller-pw-1234');
const seq: Trunk[] = [];
const rr: Trunk[] = [];
for (let i = 0; i < 3; i++) {
  seq.push(await trunk(`seq${i}`, `seq${i}-pw-12345`));
  rr.push(await trunk(`rr${i}`, `rr${i}-pw-12345`));
}
const line = (tr: Trunk, number: string) => ({ sipId: tr.sipId, password: tr.password, auth: 'digest', channels: 4, basicNumber: number });
const stack = await startCallStack(
  {
    voiceGroups: [
      {
        id: 'VG1',
        name: 'Hunt',
        sites: [
          {
            id: '1000001',
            name: 'Site',
            lines: [
              { sipId: caller.sipId, password: caller.password, auth: 'digest', channels: 10, basicNumber: CALLER },
              ...seq.map((tr, i) => line(tr, SEQ[i]!)),
              ...rr.map((tr, i) => line(tr, RR[i]!)),
            ],
            huntGroups: [
              { id: 'seq', pilot: SEQ[0], members: SEQ.slice(1), mode: 'sequential' },
              { id: 'rr', pilot: RR[0], members: RR.slice(1), mode: 'round-robin' },
            ],
          },
        ],
      },
    ],
  },
  2,
);
const [nodeA, nodeB] = stack.nodes as [(typeof stack.nodes)[0], (typeof stack.nodes)[0]];
for (const tr of [...seq, ...rr]) await registerTrunk(nodeA, tr);

/** Which of the trunks answered (by the callees that finished), and the Request-URI it got. */
async function answeredBy(callees: Callee[]): Promise<Array<{ index: number; uri: string | undefined }>> {
  const out: Array<{ index: number; uri: string | undefined }> = [];
  for (const [index, c] of callees.entries()) {
    if (!c.finished()) continue;
    const r = await c.done;
    if (r.code === 0) out.push({ index, uri: requestUri(receivedInvite(r)) });
  }
  return out;
}

t.test('sequential: the pilot first', async (t) => {
  const pilot = await answer(nodeA, 'call-callee.xml', seq[0]!);
  const call = await callFrom(nodeA, caller, { called: SEQ[0]!, from: CALLER, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  const r = await pilot.done;
  t.equal(r.code, 0, 'by the pilot');
  t.match(requestUri(receivedInvite(r)), new RegExp(`^sip:${SEQ[0]}@`));
});

t.test('sequential: a call to a member starts at the pilot again, skipping a busy and an unavailable member', async (t) => {
  const since = nodeA.mark();
  const busy = await answer(nodeA, 'call-callee-busy.xml', seq[0]!);
  const unavailable = await answer(nodeA, 'call-callee-480.xml', seq[1]!);
  const last = await answer(nodeA, 'call-callee.xml', seq[2]!);
  const call = await callFrom(nodeA, caller, { called: SEQ[1]!, from: CALLER, expect: 200 });
  t.equal(call.code, 0, 'answered', describeSipp(call));
  t.equal((await busy.done).code, 0, 'the pilot was offered the call first (486)');
  t.equal((await unavailable.done).code, 0, 'then the first member (480)');
  const r = await last.done;
  t.equal(r.code, 0, 'the second member answered');
  t.match(requestUri(receivedInvite(r)), new RegExp(`^sip:${SEQ[2]}@`), 'with its own number in the Request-URI');
  await settled(nodeA, since, call);
  const offers = nodeA.events('call.offer', since).map((l) => l.sipId);
  t.same(offers, ['seq0', 'seq1', 'seq2'], 'offered in order');
});

t.test('every member busy: 486', async (t) => {
  const callees = await Promise.all(seq.map((tr) => answer(nodeA, 'call-callee-busy.xml', tr)));
  const call = await callFrom(nodeA, caller, { called: SEQ[0]!, from: CALLER, expect: 486 });
  t.equal(call.code, 0, '486 Busy Here', describeSipp(call));
  for (const [i, c] of callees.entries()) t.equal((await c.done).code, 0, `member ${i} was tried`);
});

t.test('busy and unavailable members, none free: 480, not 486', async (t) => {
  const callees = await Promise.all([
    answer(nodeA, 'call-callee-busy.xml', seq[0]!),
    answer(nodeA, 'call-callee-480.xml', seq[1]!),
    answer(nodeA, 'call-callee-busy.xml', seq[2]!),
  ]);
  const call = await callFrom(nodeA, caller, { called: SEQ[0]!, from: CALLER, expect: 480 });
  t.equal(call.code, 0, 'only a group where every member is busy is busy', describeSipp(call));
  for (const [i, c] of callees.entries()) t.equal((await c.done).code, 0, `member ${i} was tried`);
});

t.test('round robin: each call starts after the previous one, across nodes', async (t) => {
  const order: number[] = [];
  const via = [nodeA, nodeB, nodeA];
  for (const [n, node] of via.entries()) {
    const callees = await Promise.all(rr.map((tr) => answer(node, 'call-callee.xml', tr)));
    const call = await callFrom(node, caller, { called: RR[0]!, from: CALLER, expect: 200 });
    t.equal(call.code, 0, `call ${n + 1} (node ${node.config.nodeId}) answered`, describeSipp(call));
    // The answering member's SIPp ends after the BYE: wait for it (bounded), then a moment for any other.
    await Promise.race([Promise.race(callees.map((c) => c.done)), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const who = await answeredBy(callees);
    t.equal(who.length, 1, `call ${n + 1}: exactly one member answered`);
    order.push(who[0]?.index ?? -1);
    t.match(who[0]?.uri, new RegExp(`^sip:${RR[who[0]?.index ?? 0]}@`));
    // The others were not called: stop waiting for them.
    for (const c of callees) if (!c.finished()) c.stop();
    await Promise.all(callees.map((c) => c.done));
  }
  t.same(order, [0, 1, 2], 'pilot, member 1, member 2: the search moved on by one each call, whichever node took it');
});

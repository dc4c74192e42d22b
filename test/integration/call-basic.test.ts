import t from 'tap';
import {
  answer,
  callAndCancel,
  callFrom,
  headerValues,
  marks,
  receivedInvite,
  registerTrunk,
  requestUri,
  sippCallId,
  startCallStack,
  trunk,
} from '../helpers/call-harness.js';
import { describeSipp, receivedMessages, sentMessages } from '../helpers/sipp.js';

/**
 * Basic calls between two digest trunks through the real server (docs/product.md §2,
 * §3): the INVITE is challenged with 407, the call reaches the called
 * trunk's registered contact with the called number in the Request-URI, the
 * dialog's BYE goes through the Record-Route, and a CANCEL while ringing ends
 * the call with 487 on both sides.
 */
const A = { number: '0312340001' };
const B = { number: '0312340002' };
const alice = await trunk('alice', 'alice-pass-123');
const bob = await trunk('bob', 'bob-secret-456');
const stack = await startCallStack({
  voiceGroups: [
    {
      id: 'VG1',
      name: 'Basic',
      sites: [
        {
          id: '1000001',
          name: 'Site',
          lines: [
            { sipId: alice.sipId, password: alice.password, auth: 'digest', channels: 2, basicNumber: A.number },
            { sipId: bob.sipId, password: bob.password, auth: 'digest', channels: 2, basicNumber: B.number },
          ],
        },
      ],
    },
  ],
});
const [node] = stack.nodes;
await registerTrunk(node!, bob);

t.test('a call between two trunks: 407, offer to the registered contact, BYE by the Record-Route', async (t) => {
  const since = marks(stack.nodes);
  const callee = await answer(node!, 'call-callee.xml', bob);
  const caller = await callFrom(node!, alice, { called: B.number, from: A.number, expect: 200 });
  const answered = await callee.done;
  t.equal(caller.code, 0, 'caller scenario: 407, answered, BYE 200', describeSipp(caller));
  t.equal(answered.code, 0, 'callee scenario: INVITE, ACK and BYE arrived', describeSipp(answered));

  const challenge = receivedMessages(caller).find((m) => m.startsWith('SIP/2.0 407'));
  t.ok(challenge, 'the first INVITE was challenged with 407');
  t.match(headerValues(challenge, 'Proxy-Authenticate')[0] ?? '', /^Digest .*realm="test\.example"/, 'with a Digest Proxy-Authenticate');
  t.match(headerValues(challenge, 'Proxy-Authenticate').join('\n'), /algorithm=MD5/, 'offering MD5 (what SIPp answers)');

  const invite = receivedInvite(answered);
  t.match(requestUri(invite), new RegExp(`^sip:${B.number}@127\\.0\\.0\\.1:${bob.port}`), 'Request-URI: the called number at the registered contact');
  t.match(headerValues(invite, 'From')[0], new RegExp(`sip:${A.number}@`), 'From: the calling number');
  t.match(headerValues(invite, 'P-Asserted-Identity')[0], new RegExp(`^<sip:${A.number}@test\\.example`), 'PAI: the calling number');
  t.same(headerValues(invite, 'Proxy-Authorization'), [], 'credentials for our realm do not leave the server');
  t.ok(headerValues(invite, 'Record-Route').length >= 1, 'the server record-routes');

  const bye = receivedMessages(answered).find((m) => m.startsWith('BYE '));
  t.ok(bye, 'the callee got the BYE');
  t.ok(headerValues(bye, 'Via').length >= 2, 'the BYE came through the server (its Via on top)');
  const sentBye = sentMessages(caller).find((m) => m.startsWith('BYE '));
  t.match(headerValues(sentBye, 'Route').join(','), new RegExp(`127\\.0\\.0\\.1:${node!.port}`), 'the caller sent the BYE by the Route set');

  const callId = sippCallId(caller);
  const outcome = await node!.waitForEvent('call.outcome', { since: since[0], where: (l) => l.callId === callId });
  t.equal(outcome.status, 200, 'call.outcome 200');
  await node!.waitForEvent('call.ended', { since: since[0], where: (l) => l.callId === callId });
  t.ok(
    node!.events('call.offer', since[0]).some((l) => l.callId === callId && l.sipId === 'bob'),
    'call.offer to bob logged',
  );
});

t.test('CANCEL while ringing: the callee gets CANCEL, both sides end with 487', async (t) => {
  const since = marks(stack.nodes);
  const callee = await answer(node!, 'call-callee-ring.xml', bob);
  const caller = await callAndCancel(node!, alice, { called: B.number, from: A.number, holdMs: 400 });
  const rang = await callee.done;
  t.equal(caller.code, 0, 'caller: 180, CANCEL 200, 487', describeSipp(caller));
  t.equal(rang.code, 0, 'callee: INVITE, CANCEL, ACK for its 487', describeSipp(rang));
  t.ok(
    receivedMessages(rang).some((m) => m.startsWith('CANCEL ')),
    'the callee received a CANCEL',
  );
  const callId = sippCallId(caller);
  const outcome = await node!.waitForEvent('call.outcome', { since: since[0], where: (l) => l.callId === callId });
  t.equal(outcome.status, 487, 'call.outcome 487');
});

t.test('channels are given back: another call after a cancelled one is answered', async (t) => {
  const callee = await answer(node!, 'call-callee.xml', bob);
  const caller = await callFrom(node!, alice, { called: B.number, from: A.number, expect: 200 });
  t.equal(caller.code, 0, describeSipp(caller).command, describeSipp(caller));
  t.equal((await callee.done).code, 0);
});

t.test("the line's own final answer reaches the caller (603 Decline relayed, RFC 3261 §16.7)", async (t) => {
  const callee = await answer(node!, 'call-callee-decline.xml', bob);
  const caller = await callFrom(node!, alice, { called: B.number, from: A.number, expect: 603 });
  t.equal(caller.code, 0, 'caller got 603', describeSipp(caller));
  t.equal((await callee.done).code, 0, 'the callee declined');
});

t.test('a number that is not ours and no route: 404', async (t) => {
  const caller = await callFrom(node!, alice, { called: '0399999999', from: A.number, expect: 404 });
  t.equal(caller.code, 0, 'caller got 404', describeSipp(caller));
});

t.test('an incomplete number: 484', async (t) => {
  const caller = await callFrom(node!, alice, { called: '03123', from: A.number, expect: 484 });
  t.equal(caller.code, 0, 'caller got 484', describeSipp(caller));
});

import t from 'tap';
import { parseMessage, type SipRequest } from '../../../src/core/messages/index.js';
import { mayBelongElsewhere, nextInRing, ownBranch, responseOwner, workerBranchTag, workerOfBranch } from '../../../src/core/server/worker-dispatch.js';

/** Which worker a message belongs to, when several share one SIP port (docs/workers.md). */

function request(method: string, extra: string[] = []): SipRequest {
  return parseMessage(
    Buffer.from(
      [
        `${method} sip:bob@example.test SIP/2.0`,
        'Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-c1',
        'Max-Forwards: 70',
        'From: <sip:alice@example.test>;tag=a1',
        'To: <sip:bob@example.test>;tag=b1',
        'Call-ID: wd-1',
        `CSeq: 1 ${method}`,
        ...extra,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n'),
    ),
  ) as SipRequest;
}

t.test('a branch names the worker that made it; one made alone names none', async (t) => {
  t.equal(workerBranchTag(undefined), '');
  t.equal(workerBranchTag(3), 'w3.');
  t.equal(workerOfBranch(ownBranch(3, '-ping.ab12')), 3);
  t.equal(workerOfBranch(ownBranch(12, 'x')), 12);
  t.equal(workerOfBranch(ownBranch(undefined, '-ping.ab12')), undefined, 'a single process tags nothing');
  t.equal(workerOfBranch('z9hG4bK-c1'), undefined, "a client's branch");
  t.equal(workerOfBranch('z9hG4bKw2'), undefined, 'the tag ends with a dot');
  t.equal(workerOfBranch('xz9hG4bKw2.abc'), undefined, 'only at the start');
  t.equal(workerOfBranch(undefined), undefined);
});

t.test('a response is handled where its branch was made', async (t) => {
  t.equal(responseOwner(ownBranch(2, 'abc'), 1), 2, 'made by worker 2, received at 1: pass it to 2');
  t.equal(responseOwner(ownBranch(1, 'abc'), 1), 'here', 'made here');
  t.equal(responseOwner('z9hG4bK-foreign', 1), 'here', 'names no worker: here (matched or dropped as stray)');
  t.equal(responseOwner(undefined, 1), 'here');
});

t.test('only a CANCEL not matched here, or an ACK without Route, may be another worker’s', async (t) => {
  t.equal(mayBelongElsewhere(request('CANCEL'), false), true, 'CANCEL of an INVITE not held here');
  t.equal(mayBelongElsewhere(request('CANCEL'), true), false, 'CANCEL of an INVITE held here');
  t.equal(mayBelongElsewhere(request('ACK'), false), true, 'ACK without Route: the ACK of a non-2xx, hop by hop');
  t.equal(
    mayBelongElsewhere(request('ACK', ['Route: <sip:proxy.example.test;lr>']), false),
    false,
    'ACK of a 2xx follows our Record-Route: any worker relays it',
  );
  t.equal(mayBelongElsewhere(request('BYE'), false), false, 'in-dialog requests are relayed by any worker');
});

t.test('unclaimed requests go around the ring once, ending before the worker they arrived at', async (t) => {
  t.equal(nextInRing([1, 2], 1, 1), 2, 'arrived at 1: ask 2');
  t.equal(nextInRing([1, 2], 2, 1), undefined, '2 is the last to ask: it answers');
  t.equal(nextInRing([1, 2, 3], 3, 2), 1, 'arrived at 2, asked 3: then 1');
  t.equal(nextInRing([1, 2, 3], 1, 2), undefined, 'then back at 2: 1 answers');
  t.equal(nextInRing([3, 1, 2], 2, 2), 3, 'order of the list does not matter');
  t.equal(nextInRing([1], 1, 1), undefined, 'alone: nobody to ask');
  t.equal(nextInRing([], 1, 1), undefined);
  t.equal(nextInRing([1, 3], 1, 1), 3, 'a missing worker (restarting) is skipped');
});

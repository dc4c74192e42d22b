import t from 'tap';
import { AnonymousRejectionStage } from '../../../src/features/stages/anonymous-rejection.js';
import type { CallerIdentity } from '../../../src/features/call-context.js';
import { call, features } from './call.js';

const s = new AnonymousRejectionStage();
const on = features('0312345678', { anonymousRejection: true });

t.test('withheld callers get 433 when the called number rejects them', async (t) => {
  t.equal(s.name, 'anonymous-rejection');
  t.same(s.run(call({ calledFeatures: on, callerIdentity: 'withheld', callerNumber: undefined })), {
    kind: 'reject',
    status: 433,
    reason: 'Anonymity Disallowed',
    announcement: 'anonymous',
  });
});

t.test('unavailable, payphone and presented callers pass', async (t) => {
  for (const id of ['unavailable', 'payphone', 'presented'] as CallerIdentity[]) {
    t.same(s.run(call({ calledFeatures: on, callerIdentity: id })), { kind: 'continue' }, id);
  }
});

t.test('off by default; numbers not ours are not concerned', async (t) => {
  t.same(s.run(call({ callerIdentity: 'withheld' })), { kind: 'continue' }, 'default off');
  t.same(s.run(call({ calledFeatures: undefined, calledIsOurs: false, callerIdentity: 'withheld' })), { kind: 'continue' });
});

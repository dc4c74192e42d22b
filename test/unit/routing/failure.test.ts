import t from 'tap';
import { SipResponse } from '../../../src/core/messages/index.js';
import { classifyFailure, failureStatus } from '../../../src/routing/failure.js';

const failed = (status?: number, extra: { silent?: boolean; ringTimeout?: boolean } = {}) => ({
  kind: 'failed' as const,
  ...(status ? { response: new SipResponse(status, 'x') } : {}),
  silent: extra.silent ?? false,
  ringTimeout: extra.ringTimeout ?? false,
});

t.test('docs/product.md §4.4 triggers from what the line answered', async (t) => {
  t.equal(classifyFailure(failed(486)), 'busy');
  t.equal(classifyFailure(failed(600)), 'busy');
  t.equal(classifyFailure(failed(480)), 'unreachable');
  t.equal(classifyFailure(failed(404)), 'unreachable');
  t.equal(classifyFailure(failed(undefined, { silent: true })), 'unreachable', 'nothing came back in 2 s');
  t.equal(classifyFailure(failed(487, { ringTimeout: true })), 'no-answer', 'rang past the ring time');
  t.equal(classifyFailure(failed(603)), 'rejected');
  t.equal(classifyFailure(failed(408)), 'unreachable');
  t.equal(classifyFailure(failed(486, { silent: true })), 'unreachable', 'silent wins over a response');
  t.equal(classifyFailure(failed(undefined)), 'unreachable', 'no response at all');
  t.same(failureStatus('busy'), { status: 486, reason: 'Busy Here' });
  t.same(failureStatus('no-answer'), { status: 480, reason: 'Temporarily Unavailable' }, 'our CANCEL’s 487 is not what the caller hears');
  t.same(failureStatus('unreachable'), { status: 480, reason: 'Temporarily Unavailable' });
  t.same(failureStatus('rejected'), { status: 480, reason: 'Temporarily Unavailable' });
});

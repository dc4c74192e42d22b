// Feature stages and origination, edges (docs/product.md §4.1, §4.4, §5): a
// failing rejection counter still rejects even with nobody told of the error,
// an empty announcement URI adds no Call-Info, forwarding reports only forwards
// it refused, a number not ours has no ring time, and an enabled specific
// presentation without a number presents the line's own.
import t from 'tap';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import { originate } from '../../../src/features/origination.js';
import { call, features, forwardingFeatures } from './call.js';

const blocking = features('0312345678', { blockedCallers: ['0612345678'] });

t.test('a failing counter still rejects, also without an error hook', async (t) => {
  const s = new NuisanceBlockingStage({
    countRejection: async () => {
      throw new Error('redis down');
    },
  });
  t.same(await s.run(call({ calledFeatures: blocking })), { kind: 'reject', status: 603, reason: 'Decline', announcement: 'nuisance' });
});

t.test('an empty announcement URI is none: a bare 603 without Call-Info', async (t) => {
  const s = new NuisanceBlockingStage({ countRejection: async () => {} });
  t.strictSame(await s.run(call({ calledFeatures: { ...blocking, blockAnnouncementUri: '' } })), {
    kind: 'reject',
    status: 603,
    reason: 'Decline',
    announcement: 'nuisance',
  });
});

function forwarding() {
  const refused: string[] = [];
  const s = new ForwardingStage({ timeZone: 'Asia/Tokyo', bulkGroupOf: async () => null, onRefused: (_c, d) => refused.push(d.why) });
  return { s, refused };
}

t.test('forwarding that does not apply is no refusal: nothing reported', async (t) => {
  const { s, refused } = forwarding();
  t.same(await s.run(call()), { kind: 'continue' }, 'forwarding off');
  t.same(await s.run(call({ calledFeatures: forwardingFeatures('0312345678', { enabled: true, busy: true, destinations: ['0612345678'] }) })), {
    kind: 'continue',
  });
  t.same(refused, []);
});

t.test('after a failed offer, forwarding that does not apply names no refusal', async (t) => {
  const { s } = forwarding();
  const busyOnly = call({ calledFeatures: forwardingFeatures('0312345678', { enabled: true, busy: true, destinations: ['0612345678'] }) });
  t.strictSame(await s.afterOffer(busyOnly, 'unreachable'), { kind: 'continue' });
});

t.test('a number not ours has no ring time', async (t) => {
  const { s } = forwarding();
  t.equal(await s.ringTime(call({ calledNumber: '0699999999', calledFeatures: undefined, calledIsOurs: false })), undefined);
});

t.test('specific presentation switched on without a number: the line’s own number is presented', async (t) => {
  const r = originate({
    dialledUserPart: '0612345678',
    line: { basicNumber: '0312345678', dialInNumbers: [] },
    features: features('0312345678', { specificPresentation: { number: '', enabled: true } }),
  });
  t.match(r, { ok: true, presentedNumber: '0312345678' });
});

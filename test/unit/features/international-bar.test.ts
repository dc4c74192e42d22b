import t from 'tap';
import { forwardBarred, InternationalBarStage } from '../../../src/features/stages/international-bar.js';
import { call, features } from './call.js';

const s = new InternationalBarStage();
const barred = features('0312345678', { internationalBar: true });
/** An originating call from our line 0312345678. */
const out = (calledNumber: string, callerFeatures = barred) =>
  call({ callerNumber: '0312345678', callerFeatures, calledNumber, calledFeatures: undefined, calledIsOurs: false });

t.test('a barred line calling abroad gets 403 with a reason', async (t) => {
  t.equal(s.name, 'international-bar');
  t.same(s.run(out('01012125550100')), {
    kind: 'reject',
    status: 403,
    reason: 'International calls are barred on this line',
    announcement: 'internationalBar',
  });
});

t.test('domestic and emergency calls pass', async (t) => {
  t.same(s.run(out('0612345678')), { kind: 'continue' });
  t.same(s.run(out('09012345678')), { kind: 'continue' });
  for (const e of ['110', '118', '119']) t.same(s.run(out(e)), { kind: 'continue' }, e);
});

t.test('off by default; incoming calls are never barred', async (t) => {
  t.same(s.run(out('01012125550100', features('0312345678'))), { kind: 'continue' });
  t.same(s.run(call({ callerNumber: '01012125550100', callerFeatures: undefined })), { kind: 'continue' }, 'call from abroad');
});

t.test("after a forward only the forwarder's bar counts", async (t) => {
  const c = { ...out('01012125550100'), forwards: [{ from: '0312349999', to: '01012125550100', reason: 'unconditional' as const }] };
  t.same(s.run(c), { kind: 'continue' });
});

t.test('forwardBarred', async (t) => {
  t.ok(forwardBarred(barred, '01012125550100'));
  t.ok(forwardBarred(barred, '+12125550100'), 'E.164 input');
  t.notOk(forwardBarred(barred, '09012345678'));
  t.notOk(forwardBarred(features('0312345678'), '01012125550100'), 'bar off');
});

import t from 'tap';
import type { CallContext, Stage, StageResult } from '../../../src/features/call-context.js';
import { FeaturePipeline, STAGE_ORDER, type StageDecision } from '../../../src/features/pipeline.js';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { AnonymousRejectionStage } from '../../../src/features/stages/anonymous-rejection.js';
import { InternationalBarStage } from '../../../src/features/stages/international-bar.js';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import { HuntGroupStage } from '../../../src/features/stages/hunt-group.js';
import { call, features, forwardingFeatures } from './call.js';

function fake(name: string, result: StageResult, ran: string[]): Stage {
  return { name, run: async () => { ran.push(name); return result; } };
}

t.test('stages run in order and the first non-continue decides', async (t) => {
  const ran: string[] = [];
  const decisions: StageDecision[] = [];
  const p = new FeaturePipeline(
    [
      fake('nuisance-blocking', { kind: 'continue' }, ran),
      fake('anonymous-rejection', { kind: 'reject', status: 433, reason: 'Anonymity Disallowed' }, ran),
      fake('forwarding', { kind: 'continue' }, ran),
    ],
    { onDecision: (d) => decisions.push(d) },
  );
  t.same(await p.run(call()), { kind: 'reject', status: 433, reason: 'Anonymity Disallowed', stage: 'anonymous-rejection' });
  t.same(ran, ['nuisance-blocking', 'anonymous-rejection']);
  t.same(decisions.map((d) => [d.stage, d.result.kind]), [['nuisance-blocking', 'continue'], ['anonymous-rejection', 'reject']]);
});

t.test('all continue → continue', async (t) => {
  const ran: string[] = [];
  const p = new FeaturePipeline(STAGE_ORDER.map((n) => fake(n, { kind: 'continue' }, ran)));
  t.same(await p.run(call()), { kind: 'continue' });
  t.same(ran, [...STAGE_ORDER]);
});

t.test('the constructor enforces the order', async (t) => {
  const ran: string[] = [];
  t.throws(() => new FeaturePipeline([fake('forwarding', { kind: 'continue' }, ran), fake('nuisance-blocking', { kind: 'continue' }, ran)]), /out of order/);
  t.throws(() => new FeaturePipeline([fake('forwarding', { kind: 'continue' }, ran), fake('forwarding', { kind: 'continue' }, ran)]), /out of order/);
  t.throws(() => new FeaturePipeline([fake('voicemail', { kind: 'continue' }, ran)]), /unknown feature stage/);
  t.doesNotThrow(() => new FeaturePipeline([]));
});

/** The real stages together, in the spec's order. */
function realPipeline(): FeaturePipeline {
  return new FeaturePipeline([
    new NuisanceBlockingStage({ countRejection: async () => {} }),
    new AnonymousRejectionStage(),
    new InternationalBarStage(),
    new ForwardingStage({ timeZone: 'Asia/Tokyo', bulkGroupOf: async () => null }),
    new HuntGroupStage({
      groupOf: async (n) => (n === '0312345678' ? { id: 'g', siteId: '1', pilot: '0312345678', members: ['0312345679'], mode: 'sequential', presentation: 'own' } : null),
      nextStartIndex: async () => 0,
    }),
  ]);
}

t.test('with the real stages: blocking beats anonymous rejection beats forwarding beats hunting', async (t) => {
  const p = realPipeline();
  const everything = forwardingFeatures(
    '0312345678',
    { enabled: true, unconditional: true, destinations: ['09011112222', null, null, null, null] },
    { blockedCallers: ['0612345678'], anonymousRejection: true },
  );
  const c = (patch: Partial<CallContext>) => call({ calledFeatures: everything, ...patch });
  t.match(await p.run(c({ callerIdentity: 'withheld' })), { kind: 'reject', status: 603, stage: 'nuisance-blocking' });
  t.match(await p.run(c({ callerIdentity: 'withheld', callerNumber: '0699999999' })), { kind: 'reject', status: 433, stage: 'anonymous-rejection' });
  t.match(await p.run(c({ callerNumber: '0699999999' })), { kind: 'retarget', why: 'forward', targets: ['09011112222'], stage: 'forwarding' });
  const plain = features('0312345678');
  t.match(await p.run(call({ calledFeatures: plain })), { kind: 'retarget', why: 'hunt', targets: ['0312345678', '0312345679'], stage: 'hunt-group' });
  t.same(await p.run(call({ calledNumber: '0399999999', calledFeatures: features('0399999999') })), { kind: 'continue' });
});

t.test('with the real stages: an originating call abroad from a barred line', async (t) => {
  const p = realPipeline();
  const r = await p.run(call({
    callerNumber: '0312345678', callerFeatures: features('0312345678', { internationalBar: true }),
    calledNumber: '01012125550100', calledFeatures: undefined, calledIsOurs: false,
  }));
  t.match(r, { kind: 'reject', status: 403, reason: 'International calls are barred on this line', stage: 'international-bar' });
});

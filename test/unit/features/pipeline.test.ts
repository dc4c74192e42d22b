import t from 'tap';
import type { AfterOfferResult, CallContext, Stage, StageResult } from '../../../src/features/call-context.js';
import { FeaturePipeline, STAGE_ORDER, type StageDecision } from '../../../src/features/pipeline.js';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { AnonymousRejectionStage } from '../../../src/features/stages/anonymous-rejection.js';
import { InternationalBarStage } from '../../../src/features/stages/international-bar.js';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import { HuntGroupStage } from '../../../src/features/stages/hunt-group.js';
import { call, features, forwardingFeatures } from './call.js';

function fake(name: string, result: StageResult, ran: string[]): Stage {
  return {
    name,
    run: async () => {
      ran.push(name);
      return result;
    },
  };
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
  t.same(
    decisions.map((d) => [d.stage, d.result.kind]),
    [
      ['nuisance-blocking', 'continue'],
      ['anonymous-rejection', 'reject'],
    ],
  );
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
      groupOf: async (n) =>
        n === '0312345678' ? { id: 'g', siteId: '1', pilot: '0312345678', members: ['0312345679'], mode: 'sequential', presentation: 'own' } : null,
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
  const r = await p.run(
    call({
      callerNumber: '0312345678',
      callerFeatures: features('0312345678', { internationalBar: true }),
      calledNumber: '01012125550100',
      calledFeatures: undefined,
      calledIsOurs: false,
    }),
  );
  t.match(r, { kind: 'reject', status: 403, reason: 'International calls are barred on this line', stage: 'international-bar' });
});

t.test('after a failed offer: stages with the hook are asked in order; the first that acts decides', async (t) => {
  const asked: string[] = [];
  const decisions: StageDecision[] = [];
  const hook = (name: string, result: AfterOfferResult): Stage => ({
    name,
    run: async () => ({ kind: 'continue' }),
    afterOffer: async (_c, failure) => {
      asked.push(`${name}:${failure}`);
      return result;
    },
  });
  const p = new FeaturePipeline(
    [
      hook('nuisance-blocking', { kind: 'continue' }),
      { name: 'anonymous-rejection', run: async () => ({ kind: 'continue' }) },
      hook('forwarding', { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'user-busy' }),
      hook('hunt-group', { kind: 'reject', status: 500, reason: 'never asked' }),
    ],
    { onDecision: (d) => decisions.push(d) },
  );
  t.same(await p.afterOffer(call(), 'busy'), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'user-busy', stage: 'forwarding' });
  t.same(asked, ['nuisance-blocking:busy', 'forwarding:busy']);
  t.same(
    decisions.map((d) => [d.stage, d.result.kind, d.failure]),
    [
      ['nuisance-blocking', 'continue', 'busy'],
      ['forwarding', 'retarget', 'busy'],
    ],
  );
  t.same(await new FeaturePipeline([hook('forwarding', { kind: 'continue' })]).afterOffer(call(), 'busy'), { kind: 'continue' }, 'the failure stands');
});

t.test('plan: the delivery strategy follows from what the stages said', async (t) => {
  const p = realPipeline();
  const ringing = forwardingFeatures('0399999999', { enabled: true, noAnswer: true, ringTime: 10, destinations: ['09011112222', null, null, null, null] });
  t.same(
    await p.plan(call({ calledNumber: '0399999999', calledFeatures: ringing })),
    { kind: 'deliver', delivery: { kind: 'line', number: '0399999999', ringTimeoutMs: 10_000 } },
    'one line, with the ring time forwarding needs',
  );
  t.same(await p.plan(call({ calledNumber: '0399999999', calledFeatures: features('0399999999') })), {
    kind: 'deliver',
    delivery: { kind: 'line', number: '0399999999' },
  });
  t.same(await p.plan(call({ calledFeatures: features('0312345678') })), {
    kind: 'deliver',
    stage: 'hunt-group',
    delivery: {
      kind: 'hunt',
      members: ['0312345678', '0312345679'],
      allBusy: { status: 486, reason: 'Busy Here' },
      otherwise: { status: 480, reason: 'Temporarily Unavailable' },
    },
  });
  t.same(await p.plan(call({ calledNumber: '0120123456', calledFeatures: undefined, calledIsOurs: false })), {
    kind: 'deliver',
    delivery: { kind: 'outbound', number: '0120123456', emergency: false },
  });
  const forwarding = forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: ['09011112222', null, null, null, null] });
  t.same(await p.plan(call({ calledFeatures: forwarding })), { kind: 'forward', stage: 'forwarding', to: '09011112222', diversion: 'unconditional' });
  t.match(await p.plan(call({ calledFeatures: features('0312345678', { anonymousRejection: true }), callerIdentity: 'withheld' })), {
    kind: 'reject',
    stage: 'anonymous-rejection',
    status: 433,
  });
});

// What the router does once the stages have spoken (docs/product.md §4, §4.4):
// a rejection keeps its headers (the nuisance Call-Info), a forward without a
// reason is unconditional, a forward to voice mail goes to the platform for the
// mailbox of the number that forwarded, the line rings as long as the
// shortest ring time any stage asks for, and no field is set that was not decided.
import t from 'tap';
import type { CallContext, Stage } from '../../../src/features/call-context.js';
import { planFrom } from '../../../src/features/call-plan.js';
import { FeaturePipeline } from '../../../src/features/pipeline.js';
import { call } from './call.js';

const noRing = async () => undefined;

t.test('a rejection keeps its headers and names no stage it was not given', async (t) => {
  const headers: Array<[string, string]> = [['Call-Info', '<http://a.example/blocked.wav>;purpose=announcement']];
  t.strictSame(await planFrom({ kind: 'reject', status: 603, reason: 'Decline', headers }, call(), noRing), {
    kind: 'reject',
    status: 603,
    reason: 'Decline',
    headers,
  });
});

t.test('a forward without a diversion reason is unconditional', async (t) => {
  t.strictSame(await planFrom({ kind: 'retarget', targets: ['0612345678'], why: 'forward', stage: 'forwarding' }, call(), noRing), {
    kind: 'forward',
    stage: 'forwarding',
    to: '0612345678',
    diversion: 'unconditional',
  });
});

t.test('a call forwarded to voice mail goes to the platform, for the mailbox of the last number that forwarded', async (t) => {
  const forwarded = call({
    calledNumber: 'voicemail',
    calledIsOurs: false,
    calledFeatures: undefined,
    forwards: [
      { from: '0312345678', to: '0312345679', reason: 'user-busy' },
      { from: '0312345679', to: 'voicemail', reason: 'no-answer' },
    ],
  });
  t.strictSame(await planFrom({ kind: 'continue' }, forwarded, noRing), { kind: 'deliver', delivery: { kind: 'voicemail', mailbox: '0312345679' } });
  const direct = call({ calledNumber: 'voicemail', calledIsOurs: false, calledFeatures: undefined, forwards: [] });
  t.strictSame(
    await planFrom({ kind: 'continue' }, direct, noRing),
    { kind: 'deliver', delivery: { kind: 'voicemail', mailbox: '' } },
    'no forward: no mailbox',
  );
});

t.test('the line without a ring time rings on: no ringTimeoutMs', async (t) => {
  t.strictSame(await planFrom({ kind: 'continue' }, call(), noRing), { kind: 'deliver', delivery: { kind: 'line', number: '0312345678' } });
});

function ringing(name: string, ms: number | undefined): Stage {
  return { name, run: async () => ({ kind: 'continue' }), ringTime: async () => ms };
}

t.test('the line rings as long as the shortest ring time a stage asks for', async (t) => {
  const c: CallContext = call();
  t.equal(await new FeaturePipeline([ringing('nuisance-blocking', 20_000), ringing('forwarding', 10_000)]).ringTime(c), 10_000);
  t.equal(await new FeaturePipeline([ringing('nuisance-blocking', 10_000), ringing('forwarding', 20_000)]).ringTime(c), 10_000);
  t.equal(await new FeaturePipeline([ringing('nuisance-blocking', undefined), ringing('forwarding', 15_000)]).ringTime(c), 15_000);
  t.equal(await new FeaturePipeline([ringing('nuisance-blocking', 15_000), ringing('forwarding', undefined)]).ringTime(c), 15_000);
  t.equal(
    await new FeaturePipeline([ringing('nuisance-blocking', undefined), { name: 'forwarding', run: async () => ({ kind: 'continue' }) }]).ringTime(c),
    undefined,
  );
});

t.test('a pipeline built out of order says the order', async (t) => {
  const stage = (name: string): Stage => ({ name, run: async () => ({ kind: 'continue' }) });
  t.throws(() => new FeaturePipeline([stage('forwarding'), stage('nuisance-blocking')]), {
    message:
      "feature stage 'nuisance-blocking' out of order; the order is nuisance-blocking → anonymous-rejection → international-bar → forwarding → hunt-group",
  });
  t.throws(() => new FeaturePipeline([stage('voicemail')]), {
    message: "unknown feature stage 'voicemail'; expected one of nuisance-blocking, anonymous-rejection, international-bar, forwarding, hunt-group",
  });
});

import t from 'tap';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import type { BulkGroup } from '../../../src/features/settings.js';
import { call, forwardingFeatures } from './call.js';

function stage(group: BulkGroup | null = null) {
  const asked: string[] = [];
  const refused: string[] = [];
  const s = new ForwardingStage({
    timeZone: 'Asia/Tokyo',
    bulkGroupOf: async (n) => {
      asked.push(n);
      return group;
    },
    onRefused: (_call, d) => refused.push(d.why),
  });
  return { s, asked, refused };
}

const DESTS = ['09011112222', null, null, null, '09055556666'];

t.test('unconditional forwarding retargets at once', async (t) => {
  const { s, asked } = stage();
  t.equal(s.name, 'forwarding');
  const f = forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'retarget', targets: ['09011112222'], why: 'forward', diversion: 'unconditional' });
  t.same(asked, ['0312345678']);
});

t.test('busy / no-answer / unreachable forwarding is left to the router', async (t) => {
  const { s } = stage();
  const f = forwardingFeatures('0312345678', { enabled: true, busy: true, noAnswer: true, unreachable: true, destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'continue' });
});

t.test('bulk forwarding started: slot 5', async (t) => {
  const { s } = stage({ id: 'b', siteId: '1234567', name: 'n', state: 'started', members: ['0312345678'] });
  const f = forwardingFeatures('0312345678', { destinations: DESTS });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'retarget', targets: ['09055556666'], why: 'forward', diversion: 'unconditional' });
});

t.test('a refused forward continues to the line and is reported', async (t) => {
  const { s, refused } = stage();
  const f = forwardingFeatures('0312345678', { enabled: true, unconditional: true, destinations: ['0312345678'] });
  t.same(await s.run(call({ calledFeatures: f })), { kind: 'continue' });
  t.same(refused, ['loop']);
});

t.test('numbers not ours are not concerned', async (t) => {
  const { s, asked } = stage();
  t.same(await s.run(call({ calledFeatures: undefined, calledIsOurs: false })), { kind: 'continue' });
  t.same(asked, []);
});

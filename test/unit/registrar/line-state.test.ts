import t from 'tap';
import type { Binding } from '../../../src/registrar/binding.js';
import { lineStateChanges } from '../../../src/registrar/line-state.js';

const NOW = 1_000_000;
const b = (key: string, expiresAt: number): Binding => ({
  key,
  uri: `sip:${key}@192.0.2.1`,
  expiresAt,
  callId: 'c',
  cseq: 1,
  path: [],
  source: { transport: 'UDP', address: '192.0.2.1', port: 5060, node: 'a' },
  registeredAt: 0,
});
const live = b('live', NOW + 60_000);
const other = b('other', NOW + 30_000);
const ranOut = b('old', NOW - 1);

t.test('first live binding: registered; last one removed: removed', async (t) => {
  t.same(lineStateChanges([], [live], NOW), ['registered']);
  t.same(lineStateChanges([live], [], NOW), ['removed']);
});

t.test('a refresh, a second contact or removing one of two is no change', async (t) => {
  t.same(lineStateChanges([live], [live], NOW), []);
  t.same(lineStateChanges([live], [live, other], NOW), []);
  t.same(lineStateChanges([live, other], [other], NOW), []);
  t.same(lineStateChanges([], [], NOW), [], 'Expires: 0 on a line with nothing');
});

t.test('bindings that ran out before the sweep: reported expired, then registered if the write adds one', async (t) => {
  t.same(lineStateChanges([ranOut], [live], NOW), ['expired', 'registered']);
  t.same(lineStateChanges([ranOut], [], NOW), ['expired'], 'removed after running out: it expired');
  t.same(lineStateChanges([ranOut, live], [live], NOW), [], 'another binding was live all along');
});

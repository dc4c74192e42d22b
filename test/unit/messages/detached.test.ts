import t from 'tap';
import { detached } from '../../../src/core/messages/index.js';
import { BIG_COUNT, BIG_LIMIT, bigRegister, retainedBytes } from '../../helpers/heap.js';

t.test("a header value cut from a message keeps the message's whole text; a detached copy keeps only itself", async (t) => {
  const kept = retainedBytes(BIG_COUNT, (i) => bigRegister(i).headers.get('call-id'));
  t.ok(kept > 15_000_000, `the slices keep the texts: ${kept} bytes (if this fails, the engine no longer slices and detached() is not needed)`);
  const copies = retainedBytes(BIG_COUNT, (i) => detached(bigRegister(i).headers.get('call-id')!));
  t.ok(copies < BIG_LIMIT, `the copies keep ${copies} bytes`);
  t.equal(detached('call-7-0123456789@192.0.2.1'), 'call-7-0123456789@192.0.2.1', 'the same characters');
  t.equal(detached(''), '');
});

t.test('a detached copy is one flat string: no slice object on top of it', async (t) => {
  const count = 20_000;
  const text = `${'y'.repeat(4_000)}${Math.random()}`;
  // Each kept value is 40 characters cut from one big text: as slices they would share it.
  const cut = (i: number): string => text.slice(i % 3_000, (i % 3_000) + 40);
  const flat = retainedBytes(count, (i) => detached(cut(i)));
  const slicedCopies = retainedBytes(count, (i) => (' ' + cut(i)).slice(1));
  t.ok(flat < slicedCopies - count * 20, `${flat} bytes for ${count} copies, ${slicedCopies} as slices of copies (32 bytes more each)`);
  t.equal(detached('Über → ünïcode'), 'Über → ünïcode', 'characters beyond Latin-1 are copied unchanged');
  t.equal(detached('ÿ\u0000é'), 'ÿ\u0000é', 'every Latin-1 character survives the bytes');
});

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

import t from 'tap';
import { trustedByAny, type AddressLookup } from '../../../src/routing/trusted-addresses.js';

/** A lookup whose answer the test gives later, recording what it was asked. */
function pending() {
  const asked: string[] = [];
  let answer!: (trusted: boolean) => void;
  let fail!: (error: Error) => void;
  const result = new Promise<boolean>((resolve, reject) => {
    answer = resolve;
    fail = reject;
  });
  const lookup: AddressLookup = (address) => {
    asked.push(address);
    return result;
  };
  return { lookup, asked, answer, fail };
}

t.test('every lookup is asked before any answers: their store reads share one round trip', async (t) => {
  const lines = pending();
  const peers = pending();
  const check = trustedByAny([lines.lookup, peers.lookup]);
  const verdict = check('192.0.2.7');
  t.same(lines.asked, ['192.0.2.7']);
  t.same(peers.asked, ['192.0.2.7'], 'the second asked while the first has not answered');
  lines.answer(false);
  peers.answer(true);
  t.equal(await verdict, true);
});

t.test('trusted when any lookup says so, whatever its place', async (t) => {
  t.equal(await trustedByAny([() => false, async () => false, () => true])('192.0.2.1'), true);
  t.equal(await trustedByAny([async () => true, () => false])('192.0.2.1'), true);
  t.equal(await trustedByAny([() => false, async () => false])('192.0.2.1'), false, 'none: not trusted');
  t.equal(await trustedByAny([])('192.0.2.1'), false, 'no lookup: not trusted');
});

t.test('a failed lookup fails the check only when no other trusts the address', async (t) => {
  const down = async (): Promise<boolean> => {
    throw new Error('store down');
  };
  t.equal(await trustedByAny([down, () => true])('192.0.2.1'), true, 'another lookup trusts it');
  await t.rejects(trustedByAny([down, () => false])('192.0.2.1'), /store down/, 'else the error, so the caller fails closed');
});

import t from 'tap';
import { parseVia } from '../../../src/core/messages/index.js';
import { newBranch, upstreamOf, verifyBranch } from '../../../src/proxy/branch.js';
import { ProxySigner } from '../../../src/proxy/signing.js';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');
const signer = new ProxySigner(secret);

t.test('dialog signature: valid for its Call-ID and tag, and nothing else', async (t) => {
  const sig = signer.dialogSignature('c1', 'tag1');
  t.match(sig, /^[A-Za-z0-9_-]{22}$/, '128 bits, URI-safe');
  t.ok(signer.verifyDialog(sig, 'c1', ['tag1']));
  t.ok(signer.verifyDialog(sig, 'c1', ['callee-tag', 'tag1']), 'either tag of the request');
  t.notOk(signer.verifyDialog(sig, 'c2', ['tag1']), 'tampered Call-ID');
  t.notOk(signer.verifyDialog(sig, 'c1', ['tag2']), 'tampered tag');
  t.notOk(signer.verifyDialog(sig, 'c1', []), 'no tag');
  t.notOk(signer.verifyDialog(sig, 'c1tag', ['1']), 'parts cannot be re-split');
  t.notOk(signer.verifyDialog(sig, 'c1', ['tag1'], 'ws-1'), 'flow token is signed too');
  t.ok(new ProxySigner(Buffer.from(secret)).verifyDialog(sig, 'c1', ['tag1']), 'another node, same secret');
  t.notOk(new ProxySigner(Buffer.from('x'.repeat(32))).verifyDialog(sig, 'c1', ['tag1']), 'wrong secret');
  t.notOk(signer.verifyDialog(`${sig}x`, 'c1', ['tag1']), 'longer signature');
});

t.test("dialog signature with the dialog's hops: valid for those hops only", async (t) => {
  const sig = signer.dialogSignature('c1', 'tag1', '', 'hopsA');
  t.ok(signer.verifyDialog(sig, 'c1', ['tag1'], '', 'hopsA'));
  t.notOk(signer.verifyDialog(sig, 'c1', ['tag1'], '', 'hopsB'), 'another hop list');
  t.notOk(signer.verifyDialog(sig, 'c1', ['tag1']), 'hops dropped');
  t.notOk(signer.verifyDialog(sig, 'c1', ['tag1'], 'hopsA', ''), 'moved into the flow part');
});

t.test('branches: signed over the Call-ID and the upstream hop, unique', async (t) => {
  const via = parseVia('SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bK-a;rport=40000;received=127.0.0.8')![0]!;
  t.equal(upstreamOf(via), 'UDP 127.0.0.8:40000', 'where responses go: received and rport');
  const a = newBranch(signer, 'c1', upstreamOf(via));
  const b = newBranch(signer, 'c1', upstreamOf(via));
  t.not(a, b);
  t.match(a, /^z9hG4bK/);
  t.ok(verifyBranch(signer, a, 'c1', 'UDP 127.0.0.8:40000'));
  t.notOk(verifyBranch(signer, a, 'c1', 'UDP 127.0.0.66:40000'), 'another upstream (a forged next Via)');
  t.notOk(verifyBranch(signer, a, 'c2', 'UDP 127.0.0.8:40000'), 'another Call-ID');
  t.notOk(verifyBranch(new ProxySigner(Buffer.from('y'.repeat(32))), a, 'c1', 'UDP 127.0.0.8:40000'), 'wrong secret');
  t.notOk(verifyBranch(signer, 'z9hG4bK-client-made', 'c1', 'UDP 127.0.0.8:40000'), 'a branch we did not make');
  const other = a.replace(/\.([0-9a-z]+)\./, (_m, n: string) => `.${n}0.`);
  t.notOk(verifyBranch(signer, other, 'c1', 'UDP 127.0.0.8:40000'), 'its id changed');
});

import t from 'tap';
import { NonceIssuer } from '../../../src/auth/nonce.js';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

t.test('a fresh nonce is valid, then stale after its lifetime', async (t) => {
  let now = 1_700_000_000_000;
  const issuer = new NonceIssuer(secret, 'example.test', 300_000, () => now);
  const nonce = issuer.issue();
  t.equal(issuer.check(nonce), 'valid');
  now += 299_000;
  t.equal(issuer.check(nonce), 'valid');
  now += 2_000;
  t.equal(issuer.check(nonce), 'stale');
});

t.test('another node with the same secret accepts it', async (t) => {
  const a = new NonceIssuer(secret, 'example.test', 300_000);
  const b = new NonceIssuer(Buffer.from(secret), 'example.test', 300_000);
  t.equal(b.check(a.issue()), 'valid');
});

t.test('forged, altered or foreign nonces are invalid', async (t) => {
  const issuer = new NonceIssuer(secret, 'example.test', 300_000);
  const nonce = issuer.issue();
  const raw = Buffer.from(nonce, 'base64url');
  raw[3] = raw[3]! ^ 1; // move the timestamp
  t.equal(issuer.check(raw.toString('base64url')), 'invalid', 'timestamp change breaks the MAC');
  t.equal(new NonceIssuer(Buffer.from('x'.repeat(32)), 'example.test', 300_000).check(nonce), 'invalid', 'other secret');
  t.equal(new NonceIssuer(secret, 'other.test', 300_000).check(nonce), 'invalid', 'other realm');
  t.equal(issuer.check('not-a-nonce'), 'invalid');
  t.equal(issuer.check(''), 'invalid');
  t.equal(issuer.check('A'.repeat(500)), 'invalid');
});

t.test('a nonce from the future is invalid, beyond clock skew', async (t) => {
  let now = 1_700_000_000_000;
  const issuer = new NonceIssuer(secret, 'r', 300_000, () => now);
  const nonce = issuer.issue();
  now -= 60_000;
  t.equal(issuer.check(nonce), 'invalid');
});

t.test('nonces do not repeat', async (t) => {
  const issuer = new NonceIssuer(secret, 'r', 300_000, () => 42);
  const seen = new Set(Array.from({ length: 2000 }, () => issuer.issue()));
  t.equal(seen.size, 2000);
});

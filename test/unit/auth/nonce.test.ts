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

t.test('issueFor: every copy of one request within a span of 32 s gets the same nonce, another request its own', async (t) => {
  const spanStart = 1_700_000_000_000 - (1_700_000_000_000 % 32_000);
  let now = spanStart + 1_000;
  const issuer = new NonceIssuer(secret, 'r', 300_000, () => now);
  const first = issuer.issueFor('call-1\ntag\nz9hG4bK-1');
  now += 30_000;
  t.equal(issuer.issueFor('call-1\ntag\nz9hG4bK-1'), first, 'a copy 30 s later, in the same span');
  t.equal(new NonceIssuer(Buffer.from(secret), 'r', 300_000, () => now).issueFor('call-1\ntag\nz9hG4bK-1'), first, 'on another node');
  t.not(issuer.issueFor('call-1\ntag\nz9hG4bK-2'), first, 'another branch');
  t.not(issuer.issueFor('call-2\ntag\nz9hG4bK-1'), first, 'another Call-ID');
  t.not(issuer.issueFor(''), issuer.issueFor('x'));
  now += 1_000;
  t.not(issuer.issueFor('call-1\ntag\nz9hG4bK-1'), first, 'the next span');
  t.not(new NonceIssuer(Buffer.from('y'.repeat(32)), 'r', 300_000, () => spanStart + 1_000).issueFor('call-1\ntag\nz9hG4bK-1'), first, 'another secret');
});

t.test('issueFor: the nonce is dated at the start of its span, and ages from there', async (t) => {
  const spanStart = 1_700_000_000_000 - (1_700_000_000_000 % 32_000);
  let now = spanStart + 31_000;
  const issuer = new NonceIssuer(secret, 'r', 300_000, () => now);
  const nonce = issuer.issueFor('a request');
  t.equal(Number(Buffer.from(nonce, 'base64url').readBigUInt64BE(0)), spanStart);
  t.equal(issuer.check(nonce), 'valid');
  now = spanStart + 300_000;
  t.equal(issuer.check(nonce), 'valid', 'at the end of its lifetime');
  now += 1;
  t.equal(issuer.check(nonce), 'stale', 'then stale, counted from the span start');
});

t.test('issueFor: with a short lifetime the span is an eighth of it, so a nonce is never born stale', async (t) => {
  let now = 1_700_000_000_000 - (1_700_000_000_000 % 10_000);
  const issuer = new NonceIssuer(secret, 'r', 10_000, () => now);
  const first = issuer.issueFor('a request');
  now += 1_249;
  t.equal(issuer.issueFor('a request'), first, 'within 1.25 s');
  now += 1;
  t.not(issuer.issueFor('a request'), first, 'the next span starts at 1.25 s');
  const fresh = new Set<string>();
  for (let i = 0; i < 80; i++, now += 500) fresh.add(issuer.check(issuer.issueFor('a request')));
  t.same([...fresh], ['valid'], 'a fresh nonce is valid at any moment');
});

t.test('issueFor: two requests at the same moment get two nonces, each valid', async (t) => {
  const issuer = new NonceIssuer(secret, 'r', 300_000, () => 1_700_000_000_000);
  const nonces = Array.from({ length: 2000 }, (_, i) => issuer.issueFor(`call-${i}`));
  t.equal(new Set(nonces).size, 2000);
  for (const nonce of nonces.slice(0, 50)) t.equal(issuer.check(nonce), 'valid');
});

import t from 'tap';
import { createHash } from 'node:crypto';
import { hashPassword, verifyPassword } from '../../../src/auth/account-passwords.js';
import { digestHash } from '../../../src/auth/digest.js';
import { NonceIssuer } from '../../../src/auth/nonce.js';

/** The boundaries of nonce checking, digest hashing of non-ASCII text, and stored account passwords. */

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const LIFETIME = 300_000;
const SKEW = 5_000;

t.test('nonce age: valid up to its lifetime, stale after; a little clock skew allowed', async (t) => {
  const clock = { now: 10_000_000 };
  const nonces = new NonceIssuer(SECRET, 'softswitch.test', LIFETIME, () => clock.now);
  const nonce = nonces.issue();
  t.equal(nonces.lifetime, LIFETIME + SKEW, 'the nonce-count record outlives the nonce by the skew');
  clock.now += LIFETIME;
  t.equal(nonces.check(nonce), 'valid', 'exactly its lifetime old');
  clock.now += 1;
  t.equal(nonces.check(nonce), 'stale', 'one millisecond more');
  clock.now = 10_000_000 - SKEW;
  t.equal(nonces.check(nonce), 'valid', `issued ${SKEW} ms in our future: another node's clock`);
  clock.now -= 1;
  t.equal(nonces.check(nonce), 'invalid', 'further in the future');
});

t.test('nonce text: at most 64 characters even where the decoder would skip padding', async (t) => {
  const nonces = new NonceIssuer(SECRET, 'softswitch.test', LIFETIME);
  const nonce = nonces.issue();
  t.equal(nonce.length, 43);
  // The base64url decoder skips spaces, so a padded nonce decodes to the genuine bytes.
  t.equal(nonces.check(nonce + ' '.repeat(64 - 43)), 'valid', '64 characters: decoded and checked');
  t.equal(nonces.check(nonce + ' '.repeat(65 - 43)), 'invalid', '65: refused before decoding');
});

t.test('digest hashing reads the text as latin1, one byte per character', async (t) => {
  t.equal(
    digestHash('MD5', 'caf\u00e9'),
    createHash('md5')
      .update(Buffer.from([0x63, 0x61, 0x66, 0xe9]))
      .digest('hex'),
  );
  t.equal(digestHash('SHA-256', 'abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

t.test('account passwords: scrypt with a random salt; anything malformed does not verify', async (t) => {
  const stored = await hashPassword('secret-pw-1');
  t.match(stored, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/, 'scrypt$N$r$p$salt$hash');
  t.not(await hashPassword('secret-pw-1'), stored, 'a new salt each time');
  t.equal(await verifyPassword('secret-pw-1', stored), true);
  t.equal(await verifyPassword('secret-pw-2', stored), false, 'another password');
  const parts = stored.split('$');
  const replaced = (i: number, value: string) => parts.map((p, j) => (j === i ? value : p)).join('$');
  t.equal(await verifyPassword('secret-pw-1', replaced(0, 'bcrypt')), false, 'another scheme');
  for (let i = 1; i < parts.length; i++) t.equal(await verifyPassword('secret-pw-1', replaced(i, '')), false, `field ${i} empty`);
  t.equal(await verifyPassword('secret-pw-1', parts.slice(0, 5).join('$')), false, 'no hash');
  t.equal(await verifyPassword('secret-pw-1', replaced(5, parts[5]!.slice(0, 40))), false, 'a shorter hash (no throw)');
});

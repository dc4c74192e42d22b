import t from 'tap';
import { createHmac } from 'node:crypto';
import { TokenIssuer } from '../../../src/api/accounts/tokens.js';
import { createConfiguredAccounts } from '../../../src/api/accounts/configured-accounts.js';
import type { AccountStore } from '../../../src/store/account-store.js';
import type { Config } from '../../../src/config/schema.js';

/** API bearer tokens: signed, expiring, bound to the account's token generation. */

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const TTL = 3600_000;

function issuer(clock: { now: number }, secret = SECRET): TokenIssuer {
  return new TokenIssuer(secret, TTL, () => clock.now);
}

/** A token over any body, signed with our secret: what only a holder of the secret could make. */
function signed(body: string, secret = SECRET): string {
  const encoded = Buffer.from(body).toString('base64url');
  return `${encoded}.${createHmac('sha256', secret).update(encoded).digest('base64url')}`;
}

t.test('a token issued is verified until it expires, with its claims', async (t) => {
  const clock = { now: 1_000_000 };
  const tokens = issuer(clock);
  const { token, expiresAt } = tokens.issue('alice', 'gen-1');
  t.equal(expiresAt, 1_000_000 + TTL, 'expires after the TTL');
  t.same(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()), { sub: 'alice', gen: 'gen-1', exp: expiresAt }, 'body');
  t.same(tokens.verify(token), { name: 'alice', generation: 'gen-1' });
  clock.now = expiresAt - 1;
  t.same(tokens.verify(token), { name: 'alice', generation: 'gen-1' }, 'valid one millisecond before expiry');
  clock.now = expiresAt;
  t.equal(tokens.verify(token), undefined, 'expired at its expiry time');
});

t.test('forged, damaged or foreign tokens are refused', async (t) => {
  const clock = { now: 1_000_000 };
  const tokens = issuer(clock);
  const { token } = tokens.issue('alice', 'gen-1');
  const [body, sig] = token.split('.') as [string, string];
  t.equal(sig.length, 43, 'an HMAC-SHA256 in base64url');
  t.equal(issuer(clock, Buffer.from('another secret of thirty-two b..')).verify(token), undefined, 'signed by another secret');
  const other = Buffer.from(JSON.stringify({ sub: 'mallory', gen: 'gen-1', exp: clock.now + TTL })).toString('base64url');
  t.equal(tokens.verify(`${other}.${sig}`), undefined, 'another body under a real signature');
  t.equal(tokens.verify(`${body}.${sig.slice(0, 42)}${sig.endsWith('A') ? 'B' : 'A'}`), undefined, 'a signature changed in its last character');
  t.equal(tokens.verify(`${body}.${sig}x`), undefined, 'a signature one character too long (no throw)');
  t.equal(tokens.verify(`${body}.${sig.slice(1)}`), undefined, 'one too short');
  t.equal(tokens.verify(body), undefined, 'no signature');
  t.equal(tokens.verify(`.${sig}`), undefined, 'no body');
  t.equal(tokens.verify(`${body}.`), undefined, 'empty signature');
  t.equal(tokens.verify(''), undefined, 'empty');
});

t.test('a well-signed body must still be the claims we issue', async (t) => {
  const clock = { now: 1_000_000 };
  const tokens = issuer(clock);
  const exp = clock.now + TTL;
  t.same(tokens.verify(signed(JSON.stringify({ sub: 'bob', gen: 'g', exp }))), { name: 'bob', generation: 'g' }, 'control: signed claims pass');
  t.equal(tokens.verify(signed('not json')), undefined, 'not JSON');
  t.equal(tokens.verify(signed(JSON.stringify({ sub: 7, gen: 'g', exp }))), undefined, 'sub not a string');
  t.equal(tokens.verify(signed(JSON.stringify({ sub: 'bob', exp }))), undefined, 'no generation');
  t.equal(tokens.verify(signed(JSON.stringify({ sub: 'bob', gen: 1, exp }))), undefined, 'generation not a string');
  t.equal(tokens.verify(signed(JSON.stringify({ sub: 'bob', gen: 'g', exp: String(exp) }))), undefined, 'exp not a number');
  t.equal(tokens.verify(signed(JSON.stringify({ sub: 'bob', gen: 'g' }))), undefined, 'no expiry');
});

t.test('configured accounts: created when the name is free, never replaced', async (t) => {
  const calls: Array<{ account: unknown; password: string }> = [];
  const store = {
    create: async (account: { name: string }, password: string) => {
      calls.push({ account, password });
      return account.name !== 'taken';
    },
  } as unknown as AccountStore;
  const configured = [
    { name: 'first', role: 'operator', password: 'secret-pw-1' },
    { name: 'taken', role: 'operator', password: 'secret-pw-2' },
  ] as unknown as Config['api']['accounts'];
  t.same(await createConfiguredAccounts(store, configured), ['first'], 'only the new one is reported');
  t.same(
    calls,
    [
      { account: { name: 'first', role: 'operator' }, password: 'secret-pw-1' },
      { account: { name: 'taken', role: 'operator' }, password: 'secret-pw-2' },
    ],
    'the password goes apart from the account record',
  );
});

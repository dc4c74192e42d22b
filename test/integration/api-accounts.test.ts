import t from 'tap';
import { LOCK_MS } from '../../src/store/account-store.js';
import { ACCOUNTS, FIX, PASSWORD, startApiHarness, type Reply } from '../helpers/api-harness.js';

/**
 * Management accounts (docs/product.md §6) through the real API on a real Redis:
 * login and tokens, failure counting and the 15-minute lock (injected
 * clock), token expiry, the password policy, and who may create which
 * account. No response ever carries a password or its hash.
 */
const TTL_S = 600;
const h = await startApiHarness({ config: { api: { tokenTtl: TTL_S } } });

const seen: Reply[] = [];
const req = async (...args: Parameters<typeof h.req>) => {
  const res = await h.req(...args);
  seen.push(res);
  return res;
};
const login = (name: string, password: string) => req(undefined, 'POST', '/auth/login', { name, password });

t.test('login gives a token that works on /me', async (t) => {
  const res = await login(ACCOUNTS.siteAdmin.name, PASSWORD);
  t.equal(res.status, 200);
  t.same(res.body.account, ACCOUNTS.siteAdmin);
  t.equal(Date.parse(res.body.expiresAt), h.clock.now + TTL_S * 1000, 'expires after tokenTtl');
  const me = await req(res.body.token, 'GET', '/me');
  t.equal(me.status, 200);
  t.same(me.body, ACCOUNTS.siteAdmin);
  t.equal((await req(undefined, 'GET', '/me')).status, 401, 'no token: 401');
  t.equal((await req(`${res.body.token.slice(0, -2)}xx`, 'GET', '/me')).status, 401, 'a damaged token: 401');
  t.equal((await login('nobody-here', PASSWORD)).status, 401, 'unknown account: 401');
});

t.test('two wrong passwords, then the right one: in, and the failures are forgotten', async (t) => {
  const name = ACCOUNTS.vgAdmin.name;
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, PASSWORD)).status, 200);
  // Had the two failures been kept, the next wrong one would lock.
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, PASSWORD)).status, 200, 'still not locked');
});

t.test('three wrong passwords lock the account for 15 minutes', async (t) => {
  const name = ACCOUNTS.vgAdmin2.name;
  const before = await login(name, PASSWORD);
  t.equal(before.status, 200);
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, 'Wrong1234')).status, 401);
  const third = await login(name, 'Wrong1234');
  t.equal(third.status, 423, 'the third failure locks');
  t.equal(third.body.error, 'locked');
  const right = await login(name, PASSWORD);
  t.equal(right.status, 423, 'even the right password is refused while locked');
  t.equal((await req(before.body.token, 'GET', '/me')).status, 200, 'a token issued before the lock still works until it expires');

  h.clock.advance(LOCK_MS - 1000);
  t.equal((await login(name, PASSWORD)).status, 423, 'still locked a second before the 15 minutes are up');
  h.clock.advance(1000);
  const after = await login(name, PASSWORD);
  t.equal(after.status, 200, 'unlocked after 15 minutes');
  t.equal((await req(after.body.token, 'GET', '/me')).body.name, name);
  // The lock cleared the count: one wrong password is not a new lock.
  t.equal((await login(name, 'Wrong1234')).status, 401);
  t.equal((await login(name, PASSWORD)).status, 200);
});

t.test('tokens expire after tokenTtl', async (t) => {
  const res = await login(ACCOUNTS.numberUser.name, PASSWORD);
  const token = res.body.token as string;
  h.clock.advance(TTL_S * 1000 - 1000);
  t.equal((await req(token, 'GET', '/me')).status, 200, 'valid just before expiry');
  h.clock.advance(1000);
  const expired = await req(token, 'GET', '/me');
  t.equal(expired.status, 401, 'refused once expired');
  t.equal(expired.body.error, 'unauthorized');
});

t.test('password policy: 8-40 characters with letters and digits', async (t) => {
  const op = await h.login('operator');
  const create = (password: string, name = 'policy-check') =>
    req(op, 'POST', '/accounts', { name, password, role: 'voice-group-admin', voiceGroupId: FIX.vg1 });
  for (const [password, why] of [
    ['Abc1234', 'too short (7)'],
    ['abcdefghij', 'no digit'],
    ['1234567890', 'no letter'],
    [`${'a1'.repeat(20)}b`, 'too long (41)'],
    ['', 'empty'],
  ] as const) {
    const res = await create(password);
    t.equal(res.status, 400, why);
    t.ok(
      (res.body.issues as string[]).some((i) => i.startsWith('password:')),
      `${why}: the issue names password`,
      { issues: res.body.issues },
    );
  }
  t.equal((await h.req(op, 'GET', '/me')).status, 200);
  t.notOk(
    (await req(op, 'GET', '/accounts')).body.some((a: { name: string }) => a.name === 'policy-check'),
    'no account was created',
  );
  t.equal((await create('Abcdefg1', 'policy-min')).status, 201, '8 characters are enough');
  t.equal((await create(`${'a1'.repeat(20)}`, 'policy-max')).status, 201, '40 characters are allowed');
  t.equal((await login('policy-max', 'a1'.repeat(20))).status, 200, 'and the new account logs in');
});

t.test('who may create which account', async (t) => {
  const op = await h.login('operator');
  const vg = await h.login('vgAdmin');
  const site = await h.login('siteAdmin');
  const user = await h.login('numberUser');
  const post = (token: string, account: Record<string, unknown>) => req(token, 'POST', '/accounts', { password: 'Newpass123', ...account });

  t.equal((await post(op, { name: 'new-vg2', role: 'voice-group-admin', voiceGroupId: FIX.vg2 })).status, 201, 'operator creates a voice-group admin');
  t.equal((await post(op, { name: 'new-op', role: 'operator' })).status, 201, 'operator creates an operator');
  t.equal((await post(op, { name: 'new-bad', role: 'voice-group-admin', voiceGroupId: 'NOPE' })).status, 400, 'a voice group that does not exist: 400');

  t.equal((await post(vg, { name: 'new-site1', role: 'site-admin', siteId: FIX.s1 })).status, 201, 'vg admin creates a site admin in its group');
  t.equal((await post(vg, { name: 'new-site2', role: 'site-admin', siteId: FIX.s2 })).status, 201, '... in any site of its group');
  t.match((await post(vg, { name: 'new-site3', role: 'site-admin', siteId: FIX.s3 })).status, /^40[34]$/, 'not in another voice group');
  t.equal((await post(vg, { name: 'new-op2', role: 'operator' })).status, 403, 'not an operator');
  t.equal((await post(vg, { name: 'new-vg1b', role: 'voice-group-admin', voiceGroupId: FIX.vg1 })).status, 201, 'a second admin of its own group');
  t.equal((await post(vg, { name: 'new-vg2b', role: 'voice-group-admin', voiceGroupId: FIX.vg2 })).status, 403, 'not an admin of another group');

  t.equal((await post(site, { name: 'new-user1', role: 'number-user', number: FIX.n1 })).status, 201, 'site admin creates a number user of its site');
  t.equal((await post(site, { name: 'new-user3', role: 'number-user', number: FIX.n3 })).status, 403, 'not for a number of another site');
  t.equal((await post(site, { name: 'new-site1b', role: 'site-admin', siteId: FIX.s1 })).status, 201, 'a site admin of its own site');
  t.equal((await post(site, { name: 'new-vg', role: 'voice-group-admin', voiceGroupId: FIX.vg1 })).status, 403, 'not a voice-group admin');

  t.equal(
    (await post(user, { name: 'new-user1b', role: 'number-user', number: FIX.n1 })).status,
    403,
    'a number user creates no account, not even for its number',
  );

  const created = await login('new-user1', 'Newpass123');
  t.equal(created.status, 200);
  t.same(created.body.account, { name: 'new-user1', role: 'number-user', number: FIX.n1 });

  // Listing and deleting stay within scope too.
  const listed = (await req(site, 'GET', '/accounts')).body.map((a: { name: string }) => a.name);
  t.ok(listed.includes('new-user1') && listed.includes(ACCOUNTS.siteAdmin.name), 'site admin sees accounts of its site');
  t.notOk(listed.includes(ACCOUNTS.vgAdmin.name) || listed.includes(ACCOUNTS.siteAdmin2.name) || listed.includes('operator'), 'but none above or beside it');
  t.equal((await req(site, 'DELETE', `/accounts/${ACCOUNTS.siteAdmin2.name}`)).status, 404, 'cannot delete an account of another site');
  t.equal((await req(vg, 'DELETE', '/accounts/new-user1')).status, 200, 'vg admin deletes a number user of its group');
  t.equal((await login('new-user1', 'Newpass123')).status, 401, 'the deleted account cannot log in');
});

t.test('no response carries a password or a password hash', async (t) => {
  t.ok(seen.length > 40, `checked ${seen.length} responses`);
  const leaks = seen.filter((res) => /scrypt|passwordHash|Secret1234|Newpass123|Wrong1234|Abcdefg1/i.test(res.text));
  t.same(
    leaks.map((r) => r.text),
    [],
    'no response body mentions a password or a hash',
  );
});

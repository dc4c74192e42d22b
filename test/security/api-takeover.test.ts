import t from 'tap';
import { ACCOUNTS, FIX, PASSWORD, startApiHarness, type Reply } from '../helpers/api-harness.js';

/**
 * Account takeover and contract items through the management API: the real
 * API (createApi + every resource module) on a real redis-server, default
 * config (loopback not trusted). Each test replays an attack and asserts the
 * refusal, then that the victim is untouched.
 */
const h = await startApiHarness();

const login = (name: string, password: string) => h.req(undefined, 'POST', '/auth/login', { name, password });
const tokenOf = async (name: string, password: string) => {
  const res = await login(name, password);
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${res.text}`);
  return res.body.token as string;
};
/** A fresh account made by the operator, for tests that change or lock it. */
const fresh = async (account: Record<string, unknown>, password = 'Victim1234') => {
  const res = await h.req(await h.login('operator'), 'POST', '/accounts', { password, ...account });
  if (res.status !== 201) throw new Error(`create ${String(account.name)}: ${res.status} ${res.text}`);
};
const same = (r: Reply) => ({ status: r.status, text: r.text });

t.test('a voice-group admin cannot replace the operator account', async (t) => {
  const vg = await h.login('vgAdmin');
  const asSiteAdmin = await h.req(vg, 'POST', '/accounts', { name: 'operator', password: 'Takeover123', role: 'site-admin', siteId: FIX.s1 });
  t.equal(asSiteAdmin.status, 409, 'an account in its own scope named like the operator: 409');
  t.match(asSiteAdmin.body.message, /exists/);
  const asOperator = await h.req(vg, 'POST', '/accounts', { name: 'operator', password: 'Takeover123', role: 'operator' });
  t.equal(asOperator.status, 403, 'an operator account: above its role');
  t.equal((await login('operator', 'Takeover123')).status, 401, 'the attacker password does not open the operator account');
  const op = await login('operator', PASSWORD);
  t.equal(op.status, 200, 'the operator still logs in with its own password');
  t.same(op.body.account, { name: 'operator', role: 'operator' }, 'and is still an operator');
});

t.test("a site admin cannot replace another customer's admin or create accounts in another site", async (t) => {
  const site = await h.login('siteAdmin');
  const inOwnSite = await h.req(site, 'POST', '/accounts', { name: ACCOUNTS.vgAdmin2.name, password: 'Takeover123', role: 'number-user', number: FIX.n1 });
  t.equal(inOwnSite.status, 409, 'the VG2 admin name, as an account of its own site: 409');
  const inTheirSite = await h.req(site, 'POST', '/accounts', { name: ACCOUNTS.vgAdmin2.name, password: 'Takeover123', role: 'site-admin', siteId: FIX.s3 });
  t.equal(inTheirSite.status, 403, 'as an admin of the other customer: 403');
  t.equal(
    (await h.req(site, 'POST', '/accounts', { name: 'intruder-s2', password: 'Takeover123', role: 'site-admin', siteId: FIX.s2 })).status,
    403,
    'a site admin of another site: 403',
  );
  t.equal(
    (await h.req(site, 'POST', '/accounts', { name: 'intruder-n3', password: 'Takeover123', role: 'number-user', number: FIX.n3 })).status,
    403,
    'a number user of another site: 403',
  );
  t.equal((await login('intruder-s2', 'Takeover123')).status, 401, 'nothing was created');
  const victim = await login(ACCOUNTS.vgAdmin2.name, PASSWORD);
  t.equal(victim.status, 200, 'the VG2 admin keeps its password');
  t.same(victim.body.account, ACCOUNTS.vgAdmin2, 'and its role and scope');
  t.equal((await h.req(site, 'DELETE', `/accounts/${ACCOUNTS.vgAdmin.name}`)).status, 404, 'nor delete the admin of its own voice group (above it)');
  t.equal(
    (await h.req(site, 'PUT', `/accounts/${ACCOUNTS.vgAdmin2.name}/password`, { password: 'Takeover123' })).status,
    404,
    "nor reset another customer's admin password",
  );
  t.equal(
    (await h.req(await h.login('vgAdmin'), 'PUT', '/accounts/operator/password', { password: 'Takeover123' })).status,
    404,
    "a voice-group admin cannot reset the operator's password",
  );
  t.equal((await login('operator', PASSWORD)).status, 200);
});

t.test('a password reset kills the tokens issued before it', async (t) => {
  await fresh({ name: 'reset-victim', role: 'number-user', number: FIX.n2 });
  const old = await tokenOf('reset-victim', 'Victim1234');
  t.equal((await h.req(old, 'GET', '/me')).status, 200);
  const reset = await h.req(await h.login('siteAdmin'), 'PUT', '/accounts/reset-victim/password', { password: 'Replaced1234' });
  t.equal(reset.status, 200, 'the site admin resets a number user of its site');
  const after = await h.req(old, 'GET', '/me');
  t.equal(after.status, 401, 'the old token is refused');
  t.equal((await login('reset-victim', 'Victim1234')).status, 401, 'the old password too');
  t.equal((await h.req(await tokenOf('reset-victim', 'Replaced1234'), 'GET', '/me')).status, 200, 'the new password works');
  t.equal(
    (await h.req(await h.login('siteAdmin'), 'PUT', `/accounts/${ACCOUNTS.siteAdmin.name}/password`, { password: 'Replaced1234' })).status,
    403,
    'its own password only with the current one (PUT /me/password)',
  );
});

t.test('changing your own password kills your older tokens; a number user may do it', async (t) => {
  await fresh({ name: 'own-change', role: 'number-user', number: FIX.n1 });
  const first = await tokenOf('own-change', 'Victim1234');
  const second = await tokenOf('own-change', 'Victim1234');
  const wrong = await h.req(first, 'PUT', '/me/password', { currentPassword: 'Guess12345', newPassword: 'Changed1234' });
  t.equal(wrong.status, 403, 'the current password is required');
  const weak = await h.req(first, 'PUT', '/me/password', { currentPassword: 'Victim1234', newPassword: 'short1' });
  t.equal(weak.status, 400, 'the password policy applies');
  t.match(weak.body.issues, [/^newPassword: /]);
  const changed = await h.req(first, 'PUT', '/me/password', { currentPassword: 'Victim1234', newPassword: 'Changed1234' });
  t.equal(changed.status, 200, 'a number user changes its own password');
  t.equal((await h.req(first, 'GET', '/me')).status, 401, 'the token it used is dead');
  t.equal((await h.req(second, 'GET', '/me')).status, 401, 'so is every other token of the account');
  t.equal((await h.req(changed.body.token, 'GET', '/me')).body.name, 'own-change', 'the token in the answer works');
  t.equal((await login('own-change', 'Changed1234')).status, 200, 'the new password logs in');
  t.equal((await login('own-change', 'Victim1234')).status, 401, 'the old one does not');
});

t.test('parallel wrong passwords lock exactly as sequential ones do', async (t) => {
  await fresh({ name: 'lock-seq', role: 'number-user', number: FIX.n1 });
  await fresh({ name: 'lock-par', role: 'number-user', number: FIX.n1 });
  const sequential: number[] = [];
  for (let i = 0; i < 6; i++) sequential.push((await login('lock-seq', `Wrong${i}1234`)).status);
  t.same(sequential, [401, 401, 423, 423, 423, 423], 'sequential: the third failure locks');
  const parallel = await Promise.all(Array.from({ length: 6 }, (_, i) => login('lock-par', `Wrong${i}1234`)));
  t.same(parallel.map((r) => r.status).sort(), [...sequential].sort(), 'parallel: two 401s and four 423s, as sequential');
  t.equal((await login('lock-par', 'Victim1234')).status, 423, 'the right password is refused while locked');
  t.equal((await login('lock-seq', 'Victim1234')).status, 423);
});

t.test('an unknown name answers exactly like a known one, lock included', async (t) => {
  await fresh({ name: 'known-name', role: 'number-user', number: FIX.n1 });
  const known: Reply[] = [];
  const unknown: Reply[] = [];
  for (let i = 0; i < 4; i++) {
    known.push(await login('known-name', 'Wrong98765'));
    unknown.push(await login('ghost-name', 'Wrong98765'));
  }
  t.same(
    known.map((r) => r.status),
    [401, 401, 423, 423],
    'a known name locks after three failures',
  );
  t.same(unknown.map(same), known.map(same), 'an unknown name: the same statuses and byte-identical bodies');
  t.same(Object.keys(unknown[3]!.headers).sort(), Object.keys(known[3]!.headers).sort(), 'and the same headers');
  // A second unknown name, in parallel: counted like a known one too.
  const burst = await Promise.all(Array.from({ length: 6 }, () => login('ghost-two', 'Wrong98765')));
  t.same(burst.map((r) => r.status).sort(), [401, 401, 423, 423, 423, 423]);
});

t.test('an admin unlocks accounts in its scope only', async (t) => {
  await fresh({ name: 'locked-n2', role: 'number-user', number: FIX.n2 });
  for (let i = 0; i < 3; i++) await login('locked-n2', 'Wrong12345');
  t.equal((await login('locked-n2', 'Victim1234')).status, 423, 'locked');
  t.equal((await h.req(await h.login('siteAdmin2'), 'POST', '/accounts/locked-n2/unlock')).status, 404, 'the admin of another site: 404');
  t.equal((await h.req(await h.login('vgAdmin2'), 'POST', '/accounts/locked-n2/unlock')).status, 404, 'the admin of another voice group: 404');
  t.equal((await h.req(await h.login('numberUser2'), 'POST', '/accounts/locked-n2/unlock')).status, 404, 'a number user (even of that number): 404');
  t.equal((await login('locked-n2', 'Victim1234')).status, 423, 'still locked');
  t.equal((await h.req(await h.login('siteAdmin'), 'POST', '/accounts/locked-n2/unlock')).status, 200, 'the admin of its site unlocks it');
  t.equal((await login('locked-n2', 'Victim1234')).status, 200, 'and it logs in');
  t.equal((await h.req(await h.login('siteAdmin'), 'POST', '/accounts/operator/unlock')).status, 404, 'an admin cannot unlock the operator');
});

t.test('customers cannot declare trusted addresses; operators only single hosts', async (t) => {
  const site = await h.login('siteAdmin');
  const vg = await h.login('vgAdmin');
  const op = await h.login('operator');
  const ipLine = (address: string, n: number) => ({ siteId: FIX.s1, auth: 'ip', allowedAddresses: [address], channels: 2, basicNumber: `031111005${n}` });
  const bad = ['127.0.0.1', '0.0.0.0', '::', '224.0.0.1', '255.255.255.255', '::1', '127.1.2.3', 'ff02::1', '10.0.0.0/8'];
  for (const [i, address] of bad.entries()) {
    for (const [who, token] of [
      ['site admin', site],
      ['voice-group admin', vg],
    ] as const) {
      const res = await h.req(token, 'PUT', `/lines/trust-${i}`, ipLine(address, i));
      t.equal(res.status, 403, `${who}, ${address}: 403 (lines are contract items)`);
      t.match(res.body.message, /contract item/, 'the message says why');
    }
    const res = await h.req(op, 'PUT', `/lines/trust-${i}`, ipLine(address, i));
    t.equal(res.status, 400, `operator, ${address}: 400`);
    t.match(res.body.issues, [/^allowedAddresses\[0\]: /], 'naming the field', { issues: res.body.issues });
    t.equal((await h.req(op, 'GET', `/lines/trust-${i}`)).status, 404, 'no line was created');
  }
  t.equal((await h.req(site, 'PUT', '/lines/trust-ok', ipLine('192.0.2.55', 9))).status, 403, 'a customer cannot add a line even with a fine address');
  t.equal((await h.req(op, 'PUT', '/lines/trust-ok', ipLine('192.0.2.55', 9))).status, 201, 'the operator can, with a single host address');
  const peer = await h.req(
    op,
    'PUT',
    '/routing',
    { peers: [{ name: 'wild', addresses: ['0.0.0.0'] }] },
    { 'if-match': String((await h.req(op, 'GET', '/routing')).headers.etag) },
  );
  t.equal(peer.status, 400, 'a peer at the wildcard address: 400');
  t.match(peer.body.issues, [/^routing\.peers\[0\]\.addresses\[0\]: |^peers\[0\]\.addresses\[0\]: /]);
});

import t from 'tap';
import { ACCOUNTS, FIX, startApiHarness } from '../helpers/api-harness.js';

/**
 * Rights per function (docs/product.md §6): "none", "view" or "view and edit",
 * within the role's maximum, through the real API on a real redis-server. A
 * view-only account reads and is refused every write of that function; "none"
 * hides the function; nobody gives more than the role's maximum or its own right.
 */
const h = await startApiHarness();
const op = await h.login('operator');
const PW = 'Rights1234';

const login = async (name: string) => {
  const res = await h.req(undefined, 'POST', '/auth/login', { name, password: PW });
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status} ${res.text}`);
  return res.body.token as string;
};
const create = (token: string, account: Record<string, unknown>) => h.req(token, 'POST', '/accounts', { password: PW, ...account });
const etag = async (url: string) => ({ 'if-match': String((await h.req(op, 'GET', url)).headers.etag) });

t.test('a read-only number user reads its number and is refused every write', async (t) => {
  const res = await create(op, {
    name: 'ro-user',
    role: 'number-user',
    number: FIX.n1,
    rights: { forwarding: 'view', nuisance: 'view', 'anonymous-rejection': 'view', presentation: 'view' },
  });
  t.equal(res.status, 201, res.text);
  t.same(res.body.rights, { forwarding: 'view', nuisance: 'view', 'anonymous-rejection': 'view', presentation: 'view' });
  const ro = await login('ro-user');
  const view = await h.req(ro, 'GET', `/numbers/${FIX.n1}`);
  t.equal(view.status, 200);
  t.ok('forwarding' in view.body.features && 'blockedCallers' in view.body.features, 'view shows the settings');
  for (const body of [{ forwarding: { ringTime: 20 } }, { blockedCallers: ['0612345678'] }, { anonymousRejection: true }, { presentation: 'withhold' }]) {
    const w = await h.req(ro, 'PATCH', `/numbers/${FIX.n1}/features`, body, { 'if-match': String(view.headers.etag) });
    t.equal(w.status, 403, `refused: ${Object.keys(body)[0]}`);
  }
  const csv = await h.req(ro, 'GET', `/sites/${FIX.s1}/forwarding.csv`);
  t.equal(csv.status, 404, 'a number user never reads a site');
  const caps = (await h.req(ro, 'GET', '/me/capabilities')).body;
  t.same(caps.featureFields, [], 'the portal offers no field to edit');
  t.equal(caps.rights.forwarding, 'view');
  t.same((await h.req(op, 'GET', `/numbers/${FIX.n1}`)).body.features, view.body.features, 'nothing changed');
});

t.test('"none" hides the function: its fields, its lists and counters', async (t) => {
  t.equal(
    (await create(op, { name: 'blind-admin', role: 'site-admin', siteId: FIX.s1, rights: { nuisance: 'none', 'hunt-group': 'none', forwarding: 'none' } }))
      .status,
    201,
  );
  const blind = await login('blind-admin');
  const view = await h.req(blind, 'GET', `/numbers/${FIX.n1}`);
  t.equal(view.status, 200);
  t.notOk('blockedCallers' in view.body.features, 'no nuisance list');
  t.notOk('blockAnnouncementUri' in view.body.features);
  t.notOk('forwarding' in view.body.features);
  t.ok('anonymousRejection' in view.body.features, 'other functions still show');
  t.equal((await h.req(blind, 'GET', `/numbers/${FIX.n1}/nuisance-counts`)).status, 403);
  t.equal((await h.req(blind, 'GET', `/sites/${FIX.s1}/hunt-groups`)).status, 403);
  t.equal((await h.req(blind, 'GET', `/hunt-groups/${FIX.hunt}`)).status, 403);
  t.equal((await h.req(blind, 'GET', `/sites/${FIX.s1}/forwarding.csv`)).status, 403);
  t.equal((await h.req(blind, 'GET', `/sites/${FIX.s1}/bulk-groups`)).status, 200, 'bulk forwarding still at its maximum');
  const w = await h.req(blind, 'PATCH', `/numbers/${FIX.n1}/features`, { anonymousRejection: true }, { 'if-match': String(view.headers.etag) });
  t.equal(w.status, 200, "the narrowed reader's If-Match (the whole number's ETag) works for what it may change");
  t.notOk('blockedCallers' in w.body.features, 'and the answer is narrowed too');
  await h.req(op, 'PATCH', `/numbers/${FIX.n1}/features`, { anonymousRejection: false }, await etag(`/numbers/${FIX.n1}`));
});

t.test("nobody gives more than the role's maximum", async (t) => {
  const site = await h.login('siteAdmin');
  for (const [who, token] of [
    ['operator', op],
    ['site admin', site],
  ] as const) {
    const res = await create(token, {
      name: `too-much-${who.replace(' ', '-')}`,
      role: 'number-user',
      number: FIX.n1,
      rights: { 'international-bar': 'edit' },
    });
    t.equal(res.status, 403, who);
    t.same(res.body.issues, ['rights.international-bar: at most view for the role number-user']);
  }
  const siteVg = await create(op, { name: 'site-vg', role: 'site-admin', siteId: FIX.s1, rights: { 'voice-group': 'edit' } });
  t.equal(siteVg.status, 403, 'a site admin never edits the voice group');
  const names = ((await h.req(op, 'GET', '/accounts')).body as Array<{ name: string }>).map((a) => a.name);
  t.notOk(names.includes('too-much-operator') || names.includes('site-vg'), 'nothing was created');
  const bad = await create(op, { name: 'bad-right', role: 'number-user', number: FIX.n1, rights: { forwarding: 'admin' } });
  t.equal(bad.status, 400, 'an unknown right');
  const unknownFn = await create(op, { name: 'bad-fn', role: 'number-user', number: FIX.n1, rights: { routing: 'edit' } });
  t.equal(unknownFn.status, 400, 'a function that is not one (contract items are no right)');
});

t.test('a view-only admin gives no more than it has, and cannot raise its own rights', async (t) => {
  t.equal((await create(op, { name: 'ro-admin', role: 'site-admin', siteId: FIX.s1, rights: { forwarding: 'view' } })).status, 201);
  const ro = await login('ro-admin');
  const more = await create(ro, { name: 'ro-child', role: 'number-user', number: FIX.n2, rights: { forwarding: 'edit' } });
  t.equal(more.status, 403);
  t.same(more.body.issues, ['rights.forwarding: more than your own right (view)']);
  const silent = await create(ro, { name: 'ro-child', role: 'number-user', number: FIX.n2 });
  t.equal(silent.status, 201, 'without naming forwarding');
  t.same(silent.body.rights, { forwarding: 'view' }, 'the new account is capped at its creator');
  t.equal((await h.req(await login('ro-child'), 'GET', '/me/capabilities')).body.rights.forwarding, 'view');
  const self = await h.req(ro, 'PUT', '/accounts/ro-admin/rights', { rights: { forwarding: 'edit' } });
  t.equal(self.status, 403, 'its own rights: refused');
  const selfDown = await h.req(ro, 'PUT', '/accounts/ro-admin/rights', { rights: {} });
  t.equal(selfDown.status, 403, 'even "back to the maximum" (that would raise them)');
  const raise = await h.req(ro, 'PUT', '/accounts/ro-child/rights', { rights: { forwarding: 'edit' } });
  t.equal(raise.status, 403, 'nor raise an account it manages above itself');
  t.equal((await h.req(op, 'GET', '/me')).status, 200);
  // An account holding a right it lacks is beyond its reach: its password would open that right.
  t.equal((await h.req(ro, 'PUT', `/accounts/${ACCOUNTS.numberUser2.name}/password`, { password: 'Takeover123' })).status, 404);
  t.equal((await h.req(ro, 'DELETE', `/accounts/${ACCOUNTS.numberUser2.name}`)).status, 404);
  t.notOk(
    ((await h.req(ro, 'GET', '/accounts')).body as Array<{ name: string }>).some((a) => a.name === ACCOUNTS.numberUser2.name),
    'and not in its list',
  );
  const ok = await h.req(await h.login('siteAdmin'), 'PUT', '/accounts/ro-child/rights', { rights: { forwarding: 'edit', presentation: 'none' } });
  t.equal(ok.status, 200, 'a full admin of the site may');
  t.same(ok.body.rights, { presentation: 'none' }, 'forwarding back at its maximum (implied)');
  const stored = ((await h.req(op, 'GET', '/accounts')).body as Array<{ name: string; rights?: object }>).find((a) => a.name === 'ro-child');
  t.same(stored?.rights, { presentation: 'none' });
  const history = (await h.req(op, 'GET', `/history?site=${FIX.s1}`)).body as Array<{ action: string }>;
  t.ok(
    history.some((e) => e.action === 'account.rights'),
    'recorded in the settings history',
  );
});

t.test('a view-only admin is refused the writes of those functions and keeps the others', async (t) => {
  const fns = { 'hunt-group': 'view', 'bulk-forwarding': 'view', accounts: 'view', site: 'view' };
  t.equal((await create(op, { name: 'viewer', role: 'site-admin', siteId: FIX.s1, rights: fns })).status, 201);
  const viewer = await login('viewer');
  const hunt = await h.req(viewer, 'GET', `/hunt-groups/${FIX.hunt}`);
  t.equal(hunt.status, 200, 'reads the hunt group');
  const put = await h.req(
    viewer,
    'PUT',
    `/hunt-groups/${FIX.hunt}`,
    { siteId: FIX.s1, pilot: FIX.n1, members: [FIX.n2] },
    { 'if-match': String(hunt.headers.etag) },
  );
  t.equal(put.status, 403, 'but may not change it');
  t.equal((await h.req(viewer, 'POST', `/bulk-groups/${FIX.bulk}/start`)).status, 403, 'nor start bulk forwarding');
  t.equal((await create(viewer, { name: 'viewer-child', role: 'number-user', number: FIX.n2 })).status, 403, 'nor create accounts');
  t.equal(
    (await h.req(viewer, 'PUT', `/sites/${FIX.s1}`, { voiceGroupId: FIX.vg1, name: 'Renamed' }, await etag(`/sites/${FIX.s1}`))).status,
    403,
    'nor rename the site',
  );
  const caps = (await h.req(viewer, 'GET', '/me/capabilities')).body;
  t.notOk(caps.actions.includes('hunt-group'));
  t.ok(caps.actions.includes('forwarding'));
  const fwd = await h.req(viewer, 'PATCH', `/numbers/${FIX.n2}/features`, { forwarding: { ringTime: 20 } }, await etag(`/numbers/${FIX.n2}`));
  t.equal(fwd.status, 200, 'forwarding is still its to edit');
});

t.test('rights take effect on the next request, on tokens issued before', async (t) => {
  t.equal((await create(op, { name: 'live-user', role: 'number-user', number: FIX.n2 })).status, 201);
  const token = await login('live-user');
  t.equal((await h.req(token, 'PATCH', `/numbers/${FIX.n2}/features`, { presentation: 'withhold' }, await etag(`/numbers/${FIX.n2}`))).status, 200);
  t.equal((await h.req(op, 'PUT', '/accounts/live-user/rights', { rights: { presentation: 'view' } })).status, 200);
  t.equal((await h.req(token, 'PATCH', `/numbers/${FIX.n2}/features`, { presentation: 'present' }, await etag(`/numbers/${FIX.n2}`))).status, 403);
  t.equal((await h.req(token, 'GET', '/me')).body.rights.presentation, 'view');
});

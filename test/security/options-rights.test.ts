import t from 'tap';
import { OPERATOR, startPortalServer } from '../helpers/portal-stack.js';

/**
 * Escalation through options and rights against the real server process: a
 * customer cannot subscribe itself to an option (by the options route, a
 * features body or a cookie write), cannot raise its own rights, cannot give
 * another account more than its role's maximum or its own right, and cannot
 * reach a stronger account through a password reset. Each refusal is logged
 * with its source, and the target is unchanged afterwards.
 */
const SITE = '7100001';
const OWN = '0312380001';
const OTHER = '0312380002';
const { node, base } = await startPortalServer(
  {
    voiceGroups: [
      {
        id: 'VGR',
        name: 'Rights',
        sites: [
          {
            id: SITE,
            name: 'Rights site',
            lines: [
              { sipId: 'rights-a', password: 'rights-a-pw-1', auth: 'digest', channels: 2, basicNumber: OWN },
              { sipId: 'rights-b', password: 'rights-b-pw-1', auth: 'digest', channels: 2, basicNumber: OTHER },
            ],
          },
        ],
      },
    ],
    options: { numbers: { [OWN]: ['forwarding'] } },
  },
  [
    { name: 'sec-user', password: 'Secuser2026', role: 'number-user', number: OWN },
    { name: 'sec-admin', password: 'Secadmin2026', role: 'site-admin', siteId: SITE },
  ],
);

async function token(name: string, password: string): Promise<string> {
  const res = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) });
  if (res.status !== 200) throw new Error(`login ${name}: ${res.status}`);
  return ((await res.json()) as { token: string }).token;
}
async function req(tok: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, etag: res.headers.get('etag') ?? '', body: text ? (JSON.parse(text) as Record<string, any>) : {} };
}
const op = await token(OPERATOR.name, OPERATOR.password);
const user = await token('sec-user', 'Secuser2026');
const admin = await token('sec-admin', 'Secadmin2026');
const numberOf = async (n: string) => req(op, 'GET', `/numbers/${n}`);

t.test('a customer cannot subscribe its own number to an option', async (t) => {
  const since = node.mark();
  for (const [who, tok] of [
    ['number user', user],
    ['site admin', admin],
  ] as const) {
    const res = await req(tok, 'PUT', `/numbers/${OWN}/options`, { options: ['forwarding', 'international-bar'] }, { 'if-match': (await numberOf(OWN)).etag });
    t.equal(res.status, 403, `${who}: 403`);
    t.match(res.body.message, /contract item/);
  }
  // The first refusal from a source is logged in full (repeats are summarised).
  const logged = await node.waitForEvent('api.refused', { since, where: (l) => l.status === 403 && String(l.url).includes('/options') });
  t.equal(logged.address, '127.0.0.1', 'logged with its source');
  const site = await req(
    admin,
    'PUT',
    `/sites/${SITE}/options`,
    { options: ['international-bar'] },
    { 'if-match': (await req(op, 'GET', `/sites/${SITE}/options`)).etag },
  );
  t.equal(site.status, 403, 'nor its site');
  const smuggled = await req(admin, 'PATCH', `/numbers/${OWN}/features`, { options: ['international-bar'] }, { 'if-match': (await numberOf(OWN)).etag });
  t.equal(smuggled.status, 400, 'options are no feature field');
  t.match(smuggled.body.issues, ['options: unknown field']);
  const configure = await req(admin, 'PATCH', `/numbers/${OWN}/features`, { internationalBar: true }, { 'if-match': (await numberOf(OWN)).etag });
  t.equal(configure.status, 403, 'configuring the unsubscribed option is refused');
  t.match(configure.body.message, /has not subscribed international-bar/);
  const after = (await numberOf(OWN)).body;
  t.same(after.options.number, ['forwarding'], 'the subscription is unchanged');
  t.equal(after.features.internationalBar, false, 'and the setting too');
});

t.test('nobody raises its own rights', async (t) => {
  const made = await req(op, 'POST', '/accounts', {
    name: 'sec-viewer',
    password: 'Viewer2026',
    role: 'site-admin',
    siteId: SITE,
    rights: { forwarding: 'view' },
  });
  t.equal(made.status, 201);
  const viewer = await token('sec-viewer', 'Viewer2026');
  const since = node.mark();
  const raise = await req(viewer, 'PUT', '/accounts/sec-viewer/rights', { rights: { forwarding: 'edit' } });
  t.equal(raise.status, 403);
  const logged = await node.waitForEvent('security.api_account_refused', { since, where: (l) => l.account === 'sec-viewer' });
  t.same([logged.by, logged.action, logged.reason], ['sec-viewer', 'set rights', 'own account']);
  // Through a second account it creates: capped at its own right, so nothing to gain.
  const child = await req(viewer, 'POST', '/accounts', { name: 'sec-child', password: 'Child20266', role: 'site-admin', siteId: SITE });
  t.equal(child.status, 201);
  t.same(child.body.rights, { forwarding: 'view' }, "the child has no more than its creator's forwarding right");
  const childToken = await token('sec-child', 'Child20266');
  t.equal((await req(childToken, 'PUT', '/accounts/sec-viewer/rights', { rights: { forwarding: 'edit' } })).status, 403, 'nor can the child raise its creator');
  const write = await req(childToken, 'PATCH', `/numbers/${OWN}/features`, { forwarding: { ringTime: 25 } }, { 'if-match': (await numberOf(OWN)).etag });
  t.equal(write.status, 403, 'the child is read-only on forwarding too');
  t.same((await req(viewer, 'GET', '/me')).body.rights, { forwarding: 'view' }, 'the viewer is unchanged');
});

t.test("nobody gives more than the role's maximum or its own right", async (t) => {
  const since = node.mark();
  const over = await req(admin, 'POST', '/accounts', {
    name: 'sec-over',
    password: 'Over20266x',
    role: 'number-user',
    number: OTHER,
    rights: { 'hunt-group': 'edit' },
  });
  t.equal(over.status, 403);
  t.same(over.body.issues, ['rights.hunt-group: at most view for the role number-user']);
  const logged = await node.waitForEvent('security.api_account_refused', { since, where: (l) => l.account === 'sec-over' });
  t.equal(logged.by, 'sec-admin');
  t.equal(
    (
      await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'sec-over', password: 'Over20266x' }),
      })
    ).status,
    401,
    'not created',
  );
  const viewer = await token('sec-viewer', 'Viewer2026');
  const more = await req(viewer, 'PUT', '/accounts/sec-child/rights', { rights: { forwarding: 'edit' } });
  t.equal(more.status, 403, 'the viewer cannot give its child more than its own right');
  t.same(more.body.issues, ['rights.forwarding: more than your own right (view)']);
  // A stronger account is out of reach: resetting its password would hand over its rights.
  const reset = await req(viewer, 'PUT', '/accounts/sec-user/password', { password: 'Takeover2026' });
  t.equal(reset.status, 404);
  t.equal((await req(viewer, 'DELETE', '/accounts/sec-user')).status, 404);
  t.equal((await token('sec-user', 'Secuser2026')).length > 0, true, 'sec-user keeps its password');
});

t.test('a cookie write from the portal is held to the same rules', async (t) => {
  const login = await fetch(`${base}/portal/login`, {
    method: 'POST',
    headers: { 'x-portal-request': '1', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sec-user', password: 'Secuser2026' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const res = await fetch(`${base}/numbers/${OWN}/options`, {
    method: 'PUT',
    headers: { cookie, 'x-portal-request': '1', 'content-type': 'application/json', 'if-match': (await numberOf(OWN)).etag },
    body: JSON.stringify({ options: ['international-bar'] }),
  });
  t.equal(res.status, 403);
  t.same((await numberOf(OWN)).body.options.number, ['forwarding']);
});

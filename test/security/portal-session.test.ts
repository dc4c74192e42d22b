import t from 'tap';
import { OPERATOR, startPortalServer } from '../helpers/portal-stack.js';
import { ServerProcess } from '../helpers/server-process.js';

/**
 * Attacks on the portal's session against the real server process: the
 * token never reaches page scripts (HttpOnly cookie, not in the body), a
 * cross-site write riding on the cookie is refused and logged, framing,
 * sniffing, inline script and other origins are shut out, and no file
 * outside the portal's own list is served.
 */
const NUMBER = '0312370001';
const { node, base } = await startPortalServer(
  {
    voiceGroups: [
      {
        id: 'VGS',
        name: 'Sec',
        sites: [
          { id: '7000001', name: 'Sec site', lines: [{ sipId: 'sec-line', password: 'sec-line-pw-1', auth: 'digest', channels: 2, basicNumber: NUMBER }] },
        ],
      },
    ],
  },
  [{ name: 'sec-user', password: 'Secuser2026', role: 'number-user', number: NUMBER }],
);

const PORTAL = { 'x-portal-request': '1', 'content-type': 'application/json' };

async function portalLogin(name: string, password: string): Promise<{ res: Response; cookie: string }> {
  const res = await fetch(`${base}/portal/login`, { method: 'POST', headers: PORTAL, body: JSON.stringify({ name, password }) });
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { res, cookie: setCookie.split(';')[0] ?? '' };
}

t.test('login: the token goes only into an HttpOnly, SameSite=Strict cookie', async (t) => {
  const { res, cookie } = await portalLogin('sec-user', 'Secuser2026');
  t.equal(res.status, 200);
  const setCookie = res.headers.get('set-cookie') ?? '';
  t.match(setCookie, /^ss_session=[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/);
  const body = (await res.json()) as Record<string, unknown>;
  t.notOk('token' in body, 'no token in the body for scripts to read');
  t.notOk(JSON.stringify(body).includes(cookie.split('=')[1]!), 'nor anywhere in it');
  const me = await fetch(`${base}/me`, { headers: { cookie } });
  t.equal(me.status, 200, 'the cookie authenticates reads');
  t.equal(((await me.json()) as { name: string }).name, 'sec-user');
});

t.test('login without the portal header (a cross-site form) is refused and logged', async (t) => {
  const since = node.mark();
  const res = await fetch(`${base}/portal/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'sec-user', password: 'Secuser2026' }),
  });
  t.equal(res.status, 403);
  t.notOk(res.headers.get('set-cookie'), 'no session');
  const logged = await node.waitForEvent('security.csrf_refused', { since });
  t.equal(logged.address, '127.0.0.1', 'the source is named');
});

t.test('a write riding on the cookie without the portal header is refused (CSRF), logged, and changes nothing', async (t) => {
  const { cookie } = await portalLogin('sec-user', 'Secuser2026');
  const read = await fetch(`${base}/numbers/${NUMBER}`, { headers: { cookie } });
  const etag = read.headers.get('etag')!;
  const since = node.mark();
  const forged = await fetch(`${base}/numbers/${NUMBER}/features`, {
    method: 'PATCH',
    headers: { cookie, 'content-type': 'application/json', 'if-match': etag },
    body: JSON.stringify({ anonymousRejection: true }),
  });
  t.equal(forged.status, 403);
  await node.waitForEvent('security.csrf_refused', { since, where: (l) => l.url === `/numbers/${NUMBER}/features` });
  t.equal((await (await fetch(`${base}/numbers/${NUMBER}`, { headers: { cookie } })).json()).features.anonymousRejection, false, 'not changed');
  const form = await fetch(`${base}/numbers/${NUMBER}/features`, {
    method: 'PATCH',
    headers: { cookie, 'content-type': 'text/plain', 'if-match': etag },
    body: JSON.stringify({ anonymousRejection: true }),
  });
  t.equal(form.status, 403, 'a text/plain "simple request" is refused too');
  const real = await fetch(`${base}/numbers/${NUMBER}/features`, {
    method: 'PATCH',
    headers: { cookie, ...PORTAL, 'if-match': etag },
    body: JSON.stringify({ anonymousRejection: true }),
  });
  t.equal(real.status, 200, 'the portal itself (with the header) may write');
});

t.test('no CORS: another origin gets no permission to read or to send the header', async (t) => {
  const preflight = await fetch(`${base}/me`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'x-portal-request' },
  });
  t.equal(preflight.headers.get('access-control-allow-origin'), null);
  t.equal(preflight.headers.get('access-control-allow-headers'), null);
  const read = await fetch(`${base}/me`, { headers: { origin: 'https://evil.example' } });
  t.equal(read.headers.get('access-control-allow-origin'), null);
});

t.test('pages: CSP without inline code, no framing, no sniffing, no referrer; nothing secret in them', async (t) => {
  for (const path of ['/portal/', '/portal/assets/app.js', '/portal/assets/portal.css', '/me']) {
    const res = await fetch(base + path);
    const csp = res.headers.get('content-security-policy') ?? '';
    t.match(csp, /default-src 'self'/, `${path}: CSP`);
    t.notMatch(csp, /unsafe-inline|unsafe-eval/, `${path}: no inline script or style allowed`);
    t.match(csp, /frame-ancestors 'none'/);
    t.equal(res.headers.get('x-frame-options'), 'DENY');
    t.equal(res.headers.get('x-content-type-options'), 'nosniff');
    t.equal(res.headers.get('referrer-policy'), 'no-referrer');
  }
  const page = await (await fetch(`${base}/portal/`)).text();
  t.notMatch(page, /<script(?![^>]*\bsrc=)[^>]*>/i, 'no inline <script>');
  t.notMatch(page, /<style|style=/i, 'no inline style');
  t.notMatch(page, /https?:\/\//, 'nothing from another origin (no CDN)');
  t.notMatch(page, new RegExp(OPERATOR.password), 'no secret');
  const js = await fetch(`${base}/portal/assets/app.js`);
  t.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
});

t.test("only the portal's own files are served", async (t) => {
  for (const path of [
    '/portal/assets/..%2f..%2fpackage.json',
    '/portal/assets/%2e%2e%2fassets.js',
    '/portal/assets/app.ts',
    '/portal/assets/.tsbuildinfo-portal',
    '/portal/assets/portal.js.map',
  ]) {
    const res = await fetch(base + path);
    t.equal(res.status, 404, path);
    t.notMatch(await res.text(), /"dependencies"|import /, `${path}: nothing leaked`);
  }
});

t.test('the bearer-token API keeps working for curl and the CLI, without the portal header', async (t) => {
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
  const { token } = (await login.json()) as { token: string };
  const read = await fetch(`${base}/numbers/${NUMBER}`, { headers: { authorization: `Bearer ${token}` } });
  const write = await fetch(`${base}/numbers/${NUMBER}/features`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': read.headers.get('etag')! },
    body: JSON.stringify({ presentation: 'withhold' }),
  });
  t.equal(write.status, 200);
  t.notMatch(node.output, /Secuser2026|Operator1234/, 'no password in the logs');
  t.notMatch(node.output, new RegExp(token.split('.')[1]!), 'no token in the logs');
});

t.test('a configured account is created once: a restart does not reset a password changed since', async (t) => {
  t.same((await node.waitForEvent('api.accounts_created')).accounts, ['sec-user'], 'created at the first start');
  const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OPERATOR) });
  const { token } = (await login.json()) as { token: string };
  const changed = await fetch(`${base}/accounts/sec-user/password`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ password: 'Changed2027' }),
  });
  t.equal(changed.status, 200, 'the operator gives it a new password');
  await node.stop();
  const again = await ServerProcess.start(node.config);
  t.teardown(() => again.stop());
  await again.waitForEvent('api.listening', { timeoutMs: 10_000 });
  t.equal(again.events('api.accounts_created').length, 0, 'nothing created at the restart');
  t.equal((await portalLogin('sec-user', 'Secuser2026')).res.status, 401, 'the configured password does not come back');
  t.equal((await portalLogin('sec-user', 'Changed2027')).res.status, 200, 'the changed one stays');
});

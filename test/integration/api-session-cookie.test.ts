import t from 'tap';
import { FIX, startApiHarness } from '../helpers/api-harness.js';

/**
 * The API itself (without the portal's pages) accepts the portal's session
 * cookie as the bearer token, and refuses a cookie-authenticated write that
 * lacks the portal header: a cross-site form cannot add it (CSRF).
 */
const h = await startApiHarness({ accounts: ['numberUser'] });
const token = await h.login('numberUser');
const cookie = `theme=dark; ss_session=${token}`;

t.test('reads: the cookie stands for the bearer token', async (t) => {
  const me = await h.req(undefined, 'GET', '/me', undefined, { cookie });
  t.equal(me.status, 200);
  t.equal(me.body.number, FIX.n1);
  t.equal((await h.req(undefined, 'GET', '/me', undefined, { cookie: 'ss_session=forged.token' })).status, 401, 'a forged cookie: 401');
});

t.test('writes: refused without the portal header, accepted with it', async (t) => {
  const read = await h.req(undefined, 'GET', `/numbers/${FIX.n1}`, undefined, { cookie });
  const etag = String(read.headers.etag);
  const forged = await h.req(undefined, 'PATCH', `/numbers/${FIX.n1}/features`, { anonymousRejection: true }, { cookie, 'if-match': etag });
  t.equal(forged.status, 403);
  t.match(forged.body.message, /X-Portal-Request/);
  const portal = await h.req(
    undefined,
    'PATCH',
    `/numbers/${FIX.n1}/features`,
    { anonymousRejection: true },
    { cookie, 'if-match': etag, 'x-portal-request': '1' },
  );
  t.equal(portal.status, 200);
  t.equal(portal.body.features.anonymousRejection, true);
});

t.test('an Authorization header wins over the cookie, as for curl and the CLI', async (t) => {
  const res = await h.req(token, 'GET', '/me', undefined, { cookie: 'ss_session=forged.token' });
  t.equal(res.status, 200);
});

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { FIX, PASSWORD, startApiHarness } from '../helpers/api-harness.js';
import { freePort } from '../helpers/free-port.js';
import { adminCli } from '../helpers/admin-cli.js';
import { exitOnSignals, tempDir } from '../helpers/server-process.js';

/**
 * The admin CLI (src/cli/admin.ts) as an operator runs it, against the real
 * API app listening on a loopback port: login keeps a private token, reads
 * print JSON, writes send If-Match from the last read so a change someone
 * else made in between is refused (412) and said so, API errors exit
 * non-zero with the API's message and the offending fields.
 */
const h = await startApiHarness();
await h.app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`;
const home = tempDir('ss-admin-');
exitOnSignals();

const admin = adminCli(base, home);

const tokenFile = join(home, 'softswitch', 'token');
const file = (name: string, text: string) => {
  const path = join(tempDir('ss-admin-in-'), name);
  writeFileSync(path, text);
  return path;
};

t.test('login: a wrong password is refused with the API message, no token kept', async (t) => {
  const run = await admin(['login', 'operator', '--password-stdin'], 'Wrong12345\n');
  t.equal(run.code, 1);
  t.match(run.stderr, /error: 401 wrong name or password/);
  t.notOk(existsSync(tokenFile));
});

t.test('not logged in: 401 with a hint', async (t) => {
  const run = await admin(['get', '/me']);
  t.equal(run.code, 1);
  t.match(run.stderr, /401.*login/);
});

t.test('login keeps the token in a 0600 file; get prints JSON', async (t) => {
  const run = await admin(['login', 'operator', '--password-stdin'], `${PASSWORD}\n`);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stderr, /logged in as operator/);
  t.equal(statSync(tokenFile).mode & 0o777, 0o600, 'token file is private');
  t.notMatch(run.stdout + run.stderr, new RegExp(PASSWORD), 'the password is not echoed');
  const me = await admin(['get', '/me']);
  t.equal(me.code, 0, me.stderr);
  t.same(JSON.parse(me.stdout), { name: 'operator', role: 'operator' });
  t.match(me.stdout, /\n {2}"name"/, 'pretty-printed');
});

t.test('patch after get: If-Match from the read, the change applied', async (t) => {
  t.equal((await admin(['get', `/numbers/${FIX.n2}`])).code, 0);
  const run = await admin(['patch', `/numbers/${FIX.n2}/features`, '-'], JSON.stringify({ anonymousRejection: true }));
  t.equal(run.code, 0, run.stderr);
  t.equal(JSON.parse(run.stdout).features.anonymousRejection, true);
  // The write's new ETag is remembered: a second change from the same shell is not a conflict with itself.
  const again = await admin(['patch', `/numbers/${FIX.n2}/features`, file('b.json', JSON.stringify({ anonymousRejection: false }))]);
  t.equal(again.code, 0, again.stderr);
  t.equal(JSON.parse(again.stdout).features.anonymousRejection, false);
});

t.test('a change someone made since your get: 412, said so, nothing changed', async (t) => {
  t.equal((await admin(['get', `/numbers/${FIX.n1}`])).code, 0);
  const other = await h.login('vgAdmin');
  const read = await h.req(other, 'GET', `/numbers/${FIX.n1}`);
  const theirs = await h.req(other, 'PATCH', `/numbers/${FIX.n1}/features`, { presentation: 'withhold' }, { 'if-match': String(read.headers.etag) });
  t.equal(theirs.status, 200, 'the other admin changed the number');
  const run = await admin(['patch', `/numbers/${FIX.n1}/features`, '-'], JSON.stringify({ anonymousRejection: true }));
  t.equal(run.code, 1);
  t.match(run.stderr, /error: 412 .*changed/);
  t.match(run.stderr, /get it again/);
  const now = await h.req(other, 'GET', `/numbers/${FIX.n1}`);
  t.equal(now.body.features.anonymousRejection, false, 'our change was not applied');
  t.equal(now.body.features.presentation, 'withhold', 'theirs was kept');
  // Read again, redo: accepted.
  t.equal((await admin(['get', `/numbers/${FIX.n1}`])).code, 0);
  const retry = await admin(['patch', `/numbers/${FIX.n1}/features`, '-'], JSON.stringify({ anonymousRejection: true }));
  t.equal(retry.code, 0, retry.stderr);
});

t.test('patch without a prior get fetches the ETag itself', async (t) => {
  const fresh = tempDir('ss-admin-fresh-');
  const env = { XDG_CONFIG_HOME: fresh };
  t.equal((await admin(['login', 'operator', '--password-stdin'], PASSWORD, env)).code, 0);
  const run = await admin(['patch', `/numbers/${FIX.n3}/features`, '-'], JSON.stringify({ blockedCallers: ['0312345678'] }), env);
  t.equal(run.code, 0, run.stderr);
  t.same(JSON.parse(run.stdout).features.blockedCallers, ['0312345678']);
});

t.test('a refused change: the API message and each offending field', async (t) => {
  const run = await admin(['patch', `/numbers/${FIX.n1}/features`, '-'], JSON.stringify({ forwarding: { ringTime: 99 } }));
  t.equal(run.code, 1);
  t.match(run.stderr, /error: 400 /);
  t.match(run.stderr, /\n {2}forwarding\.ringTime: /);
  t.equal((await admin(['patch', `/numbers/${FIX.n1}/features`, '-'], '{not json')).code, 1, 'a body that is not JSON is not sent');
});

t.test('CSV: download, upload it back with If-Match', async (t) => {
  const url = `/sites/${FIX.s1}/forwarding.csv`;
  const got = await admin(['get', url]);
  t.equal(got.code, 0, got.stderr);
  t.match(got.stdout, new RegExp(FIX.n1), 'CSV printed as it is');
  const put = await admin(['put', url, file('fwd.csv', got.stdout)]);
  t.equal(put.code, 0, put.stderr);
  t.match(JSON.parse(put.stdout), { changed: [] });
});

t.test('post and delete', async (t) => {
  const account = { name: 'cli-user', password: 'Cliuser123', role: 'number-user', number: FIX.n2 };
  const post = await admin(['post', '/accounts', file('acct.json', JSON.stringify(account))]);
  t.equal(post.code, 0, post.stderr);
  t.same(JSON.parse(post.stdout), { name: 'cli-user', role: 'number-user', number: FIX.n2 });
  t.notMatch(post.stdout, /Cliuser123/);
  const del = await admin(['delete', '/accounts/cli-user']);
  t.equal(del.code, 0, del.stderr);
  const gone = await admin(['delete', '/accounts/cli-user']);
  t.equal(gone.code, 1);
  t.match(gone.stderr, /error: 404 account not found/);
});

t.test('--url, usage errors, logout', async (t) => {
  const closed = await freePort();
  const unreachable = await admin(['--url', `http://127.0.0.1:${closed}`, 'get', '/me']);
  t.equal(unreachable.code, 1);
  t.match(unreachable.stderr, /cannot reach the management API at http:\/\/127\.0\.0\.1:/);
  t.equal((await admin([])).code, 2, 'no command: usage');
  t.equal((await admin(['get', 'me'])).code, 2, 'a path without /: usage');
  t.equal((await admin(['patch', `/numbers/${FIX.n1}/features`])).code, 2, 'patch without a body: usage');
  t.equal((await admin(['logout'])).code, 0);
  t.notOk(existsSync(tokenFile));
  t.equal((await admin(['get', '/me'])).code, 1, 'logged out');
  t.notMatch(readFileSync(join(home, 'softswitch', 'etags.json'), 'utf8'), /Bearer|token/i, 'the ETag cache holds no token');
});

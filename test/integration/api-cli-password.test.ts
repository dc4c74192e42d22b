import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { adminCli } from '../helpers/admin-cli.js';
import { FIX, startApiHarness } from '../helpers/api-harness.js';
import { exitOnSignals, tempDir } from '../helpers/server-process.js';

/**
 * `npm run admin -- password` against the real API app on a loopback port:
 * the change revokes every older token (the one on disk too), so the CLI
 * keeps the new token the answer carries. (A file of its own: the other CLI
 * tests already fill a file's time budget on a loaded machine.)
 */
const h = await startApiHarness({ accounts: ['operator'] });
await h.app.listen({ host: '127.0.0.1', port: 0 });
const home = tempDir('ss-admin-');
const admin = adminCli(`http://127.0.0.1:${(h.app.server.address() as { port: number }).port}`, home);
const tokenFile = join(home, 'softswitch', 'token');
exitOnSignals();

t.test('password: changes your own, keeps the new token; the old one is dead', async (t) => {
  // Set up through the API (fewer CLI runs: each one is a process start).
  const created = await h.req(await h.login('operator'), 'POST', '/accounts', { name: 'cli-pw', password: 'Cliuser123', role: 'number-user', number: FIX.n2 });
  t.equal(created.status, 201);
  const old = (await h.req(undefined, 'POST', '/auth/login', { name: 'cli-pw', password: 'Cliuser123' })).body.token as string;
  // A CLI login first (it makes the private token file), then an API token on disk: the change must revoke it.
  const logged = await admin(['login', 'cli-pw', '--password-stdin'], 'Cliuser123\n');
  t.equal(logged.code, 0, logged.stderr);
  writeFileSync(tokenFile, `${old}\n`);
  const wrong = await admin(['password', '--password-stdin'], 'Guessed123\nChanged123\n');
  t.equal(wrong.code, 1, 'a wrong current password');
  t.match(wrong.stderr, /error: 403 currentPassword is wrong/);
  const changed = await admin(['password', '--password-stdin'], 'Cliuser123\nChanged123\n');
  t.equal(changed.code, 0, changed.stderr);
  t.match(changed.stderr, /password changed/);
  t.notMatch(changed.stdout + changed.stderr, /Cliuser123|Changed123/, 'no password printed');
  t.not(readFileSync(tokenFile, 'utf8').trim(), old, 'a new token was kept');
  const me = await admin(['get', '/me']);
  t.equal(me.code, 0, me.stderr);
  t.equal(JSON.parse(me.stdout).name, 'cli-pw', 'and it works');
  t.equal((await h.req(old, 'GET', '/me')).status, 401, 'the old token is refused');
  t.equal((await h.req(undefined, 'POST', '/auth/login', { name: 'cli-pw', password: 'Changed123' })).status, 200, 'the new password logs in');
});

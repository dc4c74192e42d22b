import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { claim, freePort } from '../../helpers/free-port.js';

// Test processes run side by side: a port one of them was handed must not be
// handed to another while the first lives (a CI run failed on exactly that).
const CLAIMS = join(tmpdir(), 'softswitch-test-ports');
const claimFile = (port: number): string => join(CLAIMS, String(port));

/** A pid that no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

t.test('a port claimed by a live process is not handed out; a dead one is taken over', async (t) => {
  const port = await freePort();
  const other = await freePort(); // ours, so overwriting its claim disturbs no other test process
  t.equal(readFileSync(claimFile(port), 'utf8'), String(process.pid), 'the hand-out is claimed under our pid');

  writeFileSync(claimFile(other), String(process.ppid));
  t.notOk(claim(other), 'held by a live process (our parent)');
  t.equal(readFileSync(claimFile(other), 'utf8'), String(process.ppid), 'and its claim left alone');

  writeFileSync(claimFile(other), String(deadPid()));
  t.ok(claim(other), 'a claim whose process is gone is taken over');
  t.equal(readFileSync(claimFile(other), 'utf8'), String(process.pid));
});

t.test('a process gives its claims back when it exits', async (t) => {
  const helper = fileURLToPath(new URL('../../helpers/free-port.js', import.meta.url));
  const child = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { freePort } = await import(${JSON.stringify(helper)}); process.stdout.write(String(await freePort()));`],
    { encoding: 'utf8' },
  );
  const port = Number(child.stdout);
  t.ok(port >= 20_000 && port < 32_000, `handed out ${port} below the ephemeral range`);
  t.notOk(existsSync(claimFile(port)), 'its claim is gone after it exited');
});

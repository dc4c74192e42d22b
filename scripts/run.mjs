#!/usr/bin/env node
// Runs a command under the project's Node 24 (scripts/node-runtime.mjs): its
// bin folder goes first on PATH, so `node` and `#!/usr/bin/env node` tools
// (tap) started by the command are Node 24 too, and node_modules/.bin follows. `npm test` and `npm start`
// call this, so they work the same on a machine whose own node is older.
//
//   node scripts/run.mjs COMMAND [ARGS...]

import { spawn } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { ensureNode24, ROOT } from './node-runtime.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/run.mjs COMMAND [ARGS...]');
  process.exit(2);
}
const node = ensureNode24({
  say: (line) => console.error(`setup: ${line}`),
  fail: (message) => {
    console.error(`setup: ${message}`);
    process.exit(1);
  },
});
// The project's own tools too, as npm puts them on PATH for its scripts.
const env = { ...process.env, PATH: [dirname(node), join(ROOT, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter) };
const child = spawn(command === 'node' ? node : command, args, { stdio: 'inherit', env });

// A terminal's Ctrl-C reaches the whole process group, the child included: wait for it
// to finish cleanly. A signal sent to this process alone is passed on.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on('error', (err) => {
  console.error(`run: could not start ${command}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  process.exitCode = code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1);
});

// The Node.js the project runs on: Node 24 LTS. A machine whose own `node` is
// older (a fresh Debian machine here has Node 20, end-of-life since April 2026)
// gets Node 24 from the npm registry, where the `node-linux-<arch>` package
// ships the official binary, unpacked into `.tools/`. Plain Node ESM with no
// dependencies: it runs before node_modules exists, under any Node >= 18.

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** The major version the project runs on, and the release installed when the machine has none. */
export const NODE_MAJOR = 24;
export const NODE_RELEASE = '24.22.3';

const TOOLS = join(ROOT, '.tools');

function majorOf(version) {
  return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/** The installed copy's binary, whether or not it exists yet. */
function localNode() {
  return join(TOOLS, `node-v${NODE_RELEASE}`, 'bin', 'node');
}

function versionOf(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Path of a Node 24 binary: this process when it already is one, else the
 * copy under .tools/, or undefined when neither is there yet.
 */
export function findNode24() {
  if (majorOf(process.versions.node) === NODE_MAJOR) return process.execPath;
  const local = localNode();
  if (existsSync(local) && majorOf(versionOf(local) ?? '0') === NODE_MAJOR) return local;
  return undefined;
}

/**
 * Ensures Node 24 is available and returns its binary. Downloads the
 * `node-linux-<arch>` package with `npm pack` (the registry is the one source
 * this machine reaches) and unpacks only its bin/node.
 */
export function ensureNode24({
  say = () => {},
  fail = (m) => {
    throw new Error(m);
  },
} = {}) {
  const found = findNode24();
  if (found) return found;
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) {
    fail(`Node.js ${NODE_MAJOR} is needed; install it for ${process.platform}/${process.arch} and run again (this is ${process.version})`);
  }
  const pkg = `node-linux-${process.arch}@${NODE_RELEASE}`;
  say(`installing Node.js ${NODE_RELEASE} into .tools/ (npm package ${pkg}; this machine has ${process.version})`);
  mkdirSync(TOOLS, { recursive: true });
  const work = mkdtempSync(join(TOOLS, 'download-'));
  try {
    const pack = spawnSync('npm', ['pack', pkg, '--silent', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (pack.status !== 0) fail(`npm pack ${pkg} failed (exit ${pack.status ?? pack.signal})`);
    const tarball = join(work, pack.stdout.trim().split('\n').pop());
    const untar = spawnSync('tar', ['-xzf', tarball, '-C', work, 'package/bin/node'], { stdio: 'inherit' });
    if (untar.status !== 0) fail(`could not unpack ${tarball}`);
    const target = localNode();
    mkdirSync(dirname(target), { recursive: true });
    renameSync(join(work, 'package', 'bin', 'node'), target);
    chmodSync(target, 0o755);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const installed = findNode24();
  if (!installed) fail(`installed ${pkg} but ${localNode()} does not run`);
  return installed;
}

#!/usr/bin/env node
// Brings a fresh clone up to date before `npm start` / `npm test`: npm
// packages, Debian packages for the binaries the run needs, and the build.
// Plain Node ESM with no dependencies: it runs before node_modules exists.
// Each step is skipped when already satisfied.
//
// Node.js 24 itself comes first (scripts/node-runtime.mjs): npm scripts run
// the project through scripts/run.mjs, which uses it.
//
//   node scripts/setup.mjs [--runtime] [--test] [--bench] [--quiet] [--dry-run]
//     --runtime  needs redis-server   --test  needs redis-server, sipp, chromium, baresip and sipsak
//     --bench    also needs kamailio (with db_redis), tcpdump  --quiet  print only errors
//     --dry-run  print what would be done, change nothing

import { spawnSync } from 'node:child_process';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureNode24, findNode24, NODE_RELEASE } from './node-runtime.mjs';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const KNOWN = new Set(['--runtime', '--test', '--bench', '--quiet', '--dry-run']);
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!KNOWN.has(a)) fail(`unknown option ${a} (known: ${[...KNOWN].join(' ')})`);
}
const quiet = args.has('--quiet');
const dryRun = args.has('--dry-run');

/** Binary -> Debian package providing it. */
const BINARIES = {
  'redis-server': 'redis-server',
  sipp: 'sip-tester',
  kamailio: 'kamailio',
  tcpdump: 'tcpdump',
  // Third-party SIP clients for the interop tests.
  baresip: 'baresip-core',
  sipsak: 'sipsak',
  // Not a binary: Kamailio's Redis modules (db_redis), the durable reference in the benchmarks.
  'db_redis.so': 'kamailio-redis-modules',
  chromium: 'chromium',
  // Not a binary: a Japanese font, so the portal's Japanese pages render (and their screenshots are legible).
  'ipag.ttf': 'fonts-ipafont-gothic',
};
/** Where a non-binary need is found once its package is installed. */
const FILES = {
  'ipag.ttf': '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf',
  'db_redis.so': '/usr/lib/x86_64-linux-gnu/kamailio/modules/db_redis.so',
};
const SOURCE_DIRS = ['src', 'test', 'bench'];

function say(line) {
  if (!quiet || dryRun) console.log(`setup: ${line}`);
}

function fail(message) {
  console.error(`setup: ${message}`);
  process.exit(1);
}

/** Run a command with inherited output; exit with a message when it fails. */
function run(cmd, argv, what, env = process.env) {
  if (dryRun) {
    say(`would run: ${[cmd, ...argv].join(' ')}`);
    return;
  }
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', env });
  if (r.error) fail(`${what} failed: ${r.error.message}`);
  if (r.status !== 0) fail(`${what} failed (exit ${r.status ?? r.signal}); see the output above`);
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** Latest mtime of a file or any file/folder below it (folder mtimes catch deletions and renames). */
function newestUnder(path) {
  let st;
  try {
    st = statSync(path);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestUnder(join(path, entry)));
  return newest;
}

function onPath(binary) {
  if (FILES[binary]) return existsSync(FILES[binary]);
  // sbin is often missing from a non-root PATH, and kamailio lives there.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    try {
      accessSync(join(d, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// 0. Node 24, which runs the build, the tests and the server.
function node24() {
  if (dryRun) {
    const found = findNode24();
    say(found ? `Node.js 24: ${found}` : `would install Node.js ${NODE_RELEASE} into .tools/`);
    return found ?? process.execPath;
  }
  return ensureNode24({ say, fail });
}
const NODE = node24();

// 1. npm packages.
function npmPackages() {
  const lock = join(ROOT, 'package-lock.json');
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const hasLock = existsSync(lock);
  if (!existsSync(join(ROOT, 'node_modules'))) {
    say(hasLock ? 'installing npm packages (npm ci)' : 'installing npm packages (npm install)');
  } else if (hasLock && mtime(lock) > mtime(installed)) {
    say('package-lock.json changed: reinstalling npm packages (npm ci)');
  } else if (!hasLock && mtime(join(ROOT, 'package.json')) > mtime(installed)) {
    say('package.json changed: updating npm packages (npm install)');
  } else {
    return;
  }
  const npmArgs = [hasLock ? 'ci' : 'install', '--no-audit', '--no-fund'];
  if (quiet) npmArgs.push('--loglevel=error');
  run('npm', npmArgs, 'npm install');
}

// 2. System binaries from Debian packages.
function binaries() {
  const wanted = [];
  if (args.has('--runtime') || args.has('--test') || args.has('--bench')) wanted.push('redis-server');
  // The portal's browser tests drive Debian's chromium (through playwright-core).
  if (args.has('--test')) wanted.push('sipp', 'chromium', 'ipag.ttf', 'baresip', 'sipsak');
  if (args.has('--bench')) wanted.push('kamailio', 'tcpdump', 'db_redis.so');
  const missing = wanted.filter((b) => !onPath(b));
  if (missing.length === 0) return;
  const pkgs = missing.map((b) => BINARIES[b]);
  say(`installing Debian packages: ${pkgs.join(' ')} (for ${missing.join(', ')})`);

  if (!onPath('apt-get')) {
    fail(`missing ${missing.join(', ')} and there is no apt-get here; install the package(s) ${pkgs.join(', ')} by hand`);
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const prefix = isRoot ? [] : onPath('sudo') ? ['sudo'] : null;
  if (prefix === null) {
    fail(`missing ${missing.join(', ')}: run as root or install sudo, or run: apt-get install -y ${pkgs.join(' ')}`);
  }
  // `env` carries DEBIAN_FRONTEND through sudo, which resets the environment.
  const apt = (aptArgs) => {
    const argv = [...prefix, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...aptArgs];
    run(argv[0], argv.slice(1), `apt-get ${aptArgs[0]}`);
  };
  apt(quiet ? ['update', '-qq'] : ['update']);
  apt(['install', '-y', '--no-install-recommends', ...(quiet ? ['-qq'] : []), ...pkgs]);
  if (dryRun) return;
  const still = missing.filter((b) => !onPath(b));
  if (still.length > 0) fail(`installed ${pkgs.join(' ')} but still cannot find ${still.join(', ')} on PATH`);
}

// 3. Build (incremental tsc) when any source is newer than the last build.
function build() {
  const buildInfo = join(ROOT, 'dist', '.tsbuildinfo');
  const built = mtime(buildInfo);
  const sources = [...SOURCE_DIRS.map((d) => join(ROOT, d)), join(ROOT, 'tsconfig.json'), join(ROOT, 'tsconfig.portal.json'), join(ROOT, 'package-lock.json')];
  removeOrphans();
  if (built > 0 && sources.every((s) => newestUnder(s) <= built)) return;
  say(built === 0 ? 'building (tsc)' : 'sources changed: rebuilding (tsc)');
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (dryRun) {
    run(NODE, [tsc, '-p', 'tsconfig.json'], 'the build');
    return void run(NODE, [tsc, '-p', 'tsconfig.portal.json'], 'the portal build');
  }
  // The server, tests and benches; then the portal's browser modules (DOM lib, ES modules).
  let r = spawnSync(NODE, [tsc, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status === 0) r = spawnSync(NODE, [tsc, '-p', 'tsconfig.portal.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    // tsc emits despite type errors; make the next run check again instead of trusting that output.
    if (existsSync(buildInfo)) utimesSync(buildInfo, 0, 0);
    fail('the build failed (type errors above)');
  }
  // An incremental no-op build may leave the file untouched; mark this build as current.
  if (existsSync(buildInfo)) {
    const now = new Date();
    utimesSync(buildInfo, now, now);
  }
}

/**
 * Remove compiled files whose source is gone, so a deleted test does not keep
 * running from dist/ (tap runs dist/test/**).
 */
function removeOrphans() {
  for (const dir of SOURCE_DIRS) {
    const out = join(ROOT, 'dist', dir);
    if (!existsSync(out)) continue;
    for (const file of walk(out)) {
      const m = /^(.*)\.js(\.map)?$/.exec(relative(join(ROOT, 'dist'), file));
      if (!m || existsSync(join(ROOT, `${m[1]}.ts`))) continue;
      if (dryRun) say(`would remove stale ${relative(ROOT, file)}`);
      else rmSync(file, { force: true });
    }
  }
}

/** Files the compiled code reads next to itself (tsc emits only .js): the store's Lua scripts. */
const ASSET_DIRS = ['src/store/lua'];

function copyAssets() {
  for (const dir of ASSET_DIRS) {
    const from = join(ROOT, dir);
    const to = join(ROOT, 'dist', dir);
    if (dryRun) {
      say(`would copy ${dir} to dist/${dir}`);
      continue;
    }
    mkdirSync(to, { recursive: true });
    for (const name of readdirSync(to)) if (!existsSync(join(from, name))) rmSync(join(to, name), { force: true });
    for (const name of readdirSync(from)) {
      if (mtime(join(to, name)) < mtime(join(from, name))) copyFileSync(join(from, name), join(to, name));
    }
  }
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else yield p;
  }
}

npmPackages();
binaries();
build();
copyAssets();
if (dryRun) say('dry run done');

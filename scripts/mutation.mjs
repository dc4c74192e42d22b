#!/usr/bin/env node
// Mutation testing (StrykerJS) of the modules whose logic is pure or close to
// it, against the unit tests only. A measurement like the benchmarks, not part
// of `npm test`. Prints the kill rate per module and in total, and writes the
// HTML report. See docs/testing.md.
//
//   npm run mutation -- [MODULE...] [--since REF] [--only GLOB]... [--tests DIR]... [--concurrency N] [--files]
//     MODULE         a name from MODULES below (default: all of them)
//     --since REF    mutate only the files changed since the git ref REF (work tree included)
//     --only GLOB    mutate only the modules' files matching GLOB (`*` one path segment,
//                    `**` any depth; repeatable: any of them)
//     --tests DIR    run only the reaching unit test files under DIR (e.g. test/unit/messages;
//                    repeatable: any of them)
//     --concurrency  test runner processes (default 2)
//     --no-static    leave out the static mutants (module-level code, e.g. lookup tables): each
//                    must run every test file in a fresh process; counted apart as "ignored"
//     --files        also print the rate per file
//     --check        type-check each mutant first (TypeScript checker): mutants tsc
//                    refuses are not run or counted; slow (several seconds a mutant)
//
// Stryker runs in its own sandbox (.stryker-tmp/): it instruments the TypeScript
// sources, then runs this script with --sandbox-build as its build command there.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Module name -> source files (relative to the root). Orchestration with I/O (the registrar's and the call router's store and proxy calls) is left to the integration tests. */
const MODULES = {
  auth: ['src/auth/*.ts'],
  registrar: ['src/registrar/binding-rules.ts', 'src/registrar/binding.ts', 'src/registrar/line-state.ts'],
  features: ['src/features/**/*.ts'],
  numbers: ['src/numbers/*.ts'],
  routing: [
    'src/routing/call-channels.ts',
    'src/routing/call-outcome.ts',
    'src/routing/call-record.ts',
    'src/routing/failure.ts',
    'src/routing/announcements.ts',
    'src/routing/caller.ts',
    'src/routing/identity-headers.ts',
    'src/routing/targets.ts',
    'src/routing/trusted-addresses.ts',
  ],
  'api-accounts': ['src/api/accounts/*.ts'],
  'api-scope': ['src/api/scope.ts', 'src/api/etag.ts'],
  messages: ['src/core/messages/**/*.ts'],
  transactions: ['src/core/transactions/*.ts'],
};
const UNIT_TESTS = 'dist/test/unit';

if (process.argv.includes('--sandbox-build')) {
  sandboxBuild();
} else {
  await main(parseArgs(process.argv.slice(2)));
}

/**
 * Stryker's build command, run in the sandbox after instrumenting: node_modules
 * is linked first (Stryker itself links it only after the build, and tsc needs
 * the type packages), then the project's incremental tsc re-emits dist/ for
 * the instrumented files only.
 */
function sandboxBuild() {
  const modules = join(process.cwd(), 'node_modules');
  if (!existsSync(modules)) symlinkSync(resolve(ROOT, '..', '..', 'node_modules'), modules, 'junction');
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });
}

function parseArgs(argv) {
  const options = { modules: [], since: undefined, only: [], tests: [], concurrency: 2, files: false, check: false, statics: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--since') options.since = argv[++i] ?? fail('--since needs a git ref');
    else if (arg === '--only') options.only.push(argv[++i] ?? fail('--only needs a glob, e.g. src/core/messages/headers/*.ts'));
    else if (arg === '--tests') options.tests.push(testDir(argv[++i] ?? fail('--tests needs a folder, e.g. test/unit/messages')));
    else if (arg === '--concurrency') options.concurrency = Number(argv[++i]);
    else if (arg === '--files') options.files = true;
    else if (arg === '--check') options.check = true;
    else if (arg === '--no-static') options.statics = false;
    else if (arg in MODULES) options.modules.push(arg);
    else fail(`unknown argument ${arg} (modules: ${Object.keys(MODULES).join(' ')})`);
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) fail('--concurrency needs a whole number ≥ 1');
  if (options.modules.length === 0) options.modules = Object.keys(MODULES);
  return options;
}

/** A unit test folder as given (test/unit/x, dist/test/unit/x, with or without a trailing slash) -> its compiled folder. */
function testDir(dir) {
  const path = relative(ROOT, resolve(ROOT, dir)).replace(/^dist\//, '');
  if (path !== 'test/unit' && !path.startsWith('test/unit/')) fail(`--tests ${dir}: not a folder under test/unit`);
  if (!existsSync(join(ROOT, path))) fail(`--tests ${dir}: no such folder`);
  return path;
}

function fail(message) {
  console.error(`mutation: ${message}`);
  process.exit(2);
}

async function main({ modules, since, only, tests, concurrency, files: perFile, check, statics }) {
  const started = Date.now();
  const filesByModule = new Map(modules.map((name) => [name, expand(MODULES[name])]));
  if (only.length > 0) {
    const wanted = new Set(expand(only));
    for (const [name, files] of filesByModule)
      filesByModule.set(
        name,
        files.filter((file) => wanted.has(file)),
      );
  }
  if (since !== undefined) {
    const changed = changedSince(since);
    for (const [name, files] of filesByModule)
      filesByModule.set(
        name,
        files.filter((file) => changed.has(file)),
      );
  }
  const mutate = [...filesByModule.values()].flat();
  if (mutate.length === 0) {
    const why = [only.length > 0 ? `matching ${only.join(' or ')}` : '', since !== undefined ? `changed since ${since}` : ''];
    console.log(`mutation: no file of ${modules.join(', ')} ${why.filter(Boolean).join(' and ')}`);
    return;
  }

  // The tests run from dist/: build first, as `npm test` does.
  execFileSync(process.execPath, ['scripts/setup.mjs', '--test', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  const testFiles = unitTestsReaching(mutate).filter(
    (file) => tests.length === 0 || tests.some((dir) => file.startsWith(`dist/${dir}/`) || dir === 'test/unit'),
  );
  if (testFiles.length === 0) fail(`no unit test file under ${tests.join(' or ')} reaches the mutated files`);
  const limits = [
    only.length > 0 ? `only ${only.join(', ')}` : '',
    tests.length > 0 ? `tests under ${tests.join(', ')}` : '',
    statics ? '' : 'static mutants left out',
  ].filter(Boolean);
  console.log(
    `mutation: ${mutate.length} source files, ${testFiles.length} unit test files, concurrency ${concurrency}${limits.map((l) => `; ${l}`).join('')}`,
  );

  // Runs with other files or other tests keep their own incremental results and report.
  const base = since !== undefined ? 'since' : modules.length === Object.keys(MODULES).length ? 'all' : modules.join('+');
  const key = [base, ...only.map((glob) => `only-${slug(glob)}`), ...tests.map((dir) => `tests-${slug(dir)}`), ...(statics ? [] : ['no-static'])].join('~');
  const out = join('reports', 'mutation', shorten(key));
  const { Stryker } = await import('@stryker-mutator/core');
  const stryker = new Stryker({
    configFile: 'stryker.config.mjs',
    mutate,
    tap: { testFiles, forceBail: true },
    concurrency,
    checkers: check ? ['typescript'] : [],
    ignoreStatic: !statics,
    buildCommand: 'node scripts/mutation.mjs --sandbox-build',
    symlinkNodeModules: false, // the build command links it
    incremental: since === undefined,
    incrementalFile: join(out, 'incremental.json'),
    htmlReporter: { fileName: join(out, 'index.html') },
    jsonReporter: { fileName: join(out, 'mutation.json') },
  });
  const results = (await stryker.runMutationTest()).map((r) => ({ ...r, fileName: relative(ROOT, r.fileName) }));
  const minutes = ((Date.now() - started) / 60000).toFixed(1);

  const rows = [];
  for (const [name, files] of filesByModule) {
    if (files.length === 0) continue;
    rows.push(
      tally(
        name,
        results.filter((r) => files.includes(r.fileName)),
      ),
    );
    if (perFile)
      for (const file of files)
        rows.push(
          tally(
            `  ${file}`,
            results.filter((r) => r.fileName === file),
          ),
        );
  }
  rows.push(tally('total', results));
  const ignored = results.filter((r) => r.status === 'Ignored').length;
  console.log(`\n${table(rows)}\n\n${ignored > 0 ? `${ignored} static mutants ignored; ` : ''}run time ${minutes} min; report: ${join(out, 'index.html')}`);
  writeFileSync(join(out, 'summary.json'), JSON.stringify({ minutes: Number(minutes), since, only, tests, ignored, rows }, null, 2));
}

/** A run's folder name within the 255 bytes a file name may have: a long one (many --only) keeps its start and a hash of the whole. */
function shorten(key) {
  return key.length <= 200 ? key : `${key.slice(0, 180)}~${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** A glob or folder as a file-name part: src/core/messages/headers/*.ts -> src.core.messages.headers.x.ts */
function slug(text) {
  return text
    .replaceAll('**', 'xx')
    .replaceAll('*', 'x')
    .replace(/[^A-Za-z0-9._-]+/g, '.');
}

/** Expands the patterns (`*` one path segment, `**` any depth) against the work tree. */
function expand(patterns) {
  const all = listFiles('src');
  return patterns.flatMap((pattern) => {
    const regex = new RegExp(`^${pattern.replaceAll('.', '\\.').replaceAll('**/', '(?:.+/)?').replaceAll('*', '[^/]*')}$`);
    return all.filter((file) => regex.test(file));
  });
}

function listFiles(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

function changedSince(ref) {
  const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  return new Set([...git('diff', '--name-only', ref, '--', 'src'), ...git('ls-files', '--others', '--exclude-standard', 'src')]);
}

/** The unit test files whose static imports reach one of the given sources: the only ones that can kill its mutants. */
function unitTestsReaching(sources) {
  const targets = new Set(sources.map((file) => resolve(ROOT, 'dist', file.replace(/\.ts$/, '.js'))));
  const memo = new Map();
  const reaches = (file) => {
    if (memo.has(file)) return memo.get(file);
    memo.set(file, false); // cycles
    let found = targets.has(file);
    if (!found && existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      for (const [, spec] of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.js)'/g)) {
        if (reaches(resolve(dirname(file), spec))) {
          found = true;
          break;
        }
      }
    }
    memo.set(file, found);
    return found;
  };
  return listFiles(UNIT_TESTS)
    .filter((file) => file.endsWith('.test.js'))
    .filter((file) => reaches(resolve(ROOT, file)));
}

function tally(name, results) {
  const count = (...statuses) => results.filter((r) => statuses.includes(r.status)).length;
  const killed = count('Killed', 'Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const valid = killed + survived + noCoverage;
  const rate = valid === 0 ? '—' : `${((100 * killed) / valid).toFixed(1)}%`;
  return { name, mutants: valid, killed, survived, noCoverage, rate };
}

function table(rows) {
  const header = ['module', 'mutants', 'killed', 'survived', 'no coverage', 'kill rate'];
  const cells = rows.map((r) => [r.name, r.mutants, r.killed, r.survived, r.noCoverage, r.rate].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

#!/usr/bin/env node
// The six hand-made bugs that first showed gaps in the unit tests (see
// docs/testing.md, "Where it started"), put back one at a time into the
// compiled code (dist/) and run against the unit tests that must catch each.
// Prints "caught" or "NOT CAUGHT" per bug; exits 1 if one is not caught. Every
// file is restored afterwards, also on Ctrl-C. Run after a build:
//
//   npm run mutation:gaps

import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Each bug: where, the exact text replaced (it must occur once), and the unit test folder that must fail. */
const BUGS = [
  {
    name: 'the digest uri check forced true (sameRequestUri)',
    file: 'dist/src/auth/authenticator.js',
    from: 'export function sameRequestUri(digestUri, requestUri) {',
    to: 'export function sameRequestUri(digestUri, requestUri) { return true;',
    tests: 'dist/test/unit/auth',
  },
  {
    name: 'Contact: * with the same Call-ID and an equal CSeq accepted',
    file: 'dist/src/registrar/binding-rules.js',
    from: 'input.cseq <= binding.cseq',
    to: 'input.cseq < binding.cseq',
    tests: 'dist/test/unit/registrar',
  },
  {
    name: 'the contact-limit guard dropped (a line over a lowered limit)',
    file: 'dist/src/registrar/binding-rules.js',
    from: 'added.length > 0 && bindings.length > limits.maxContacts',
    to: 'bindings.length > limits.maxContacts',
    tests: 'dist/test/unit/registrar',
  },
  {
    name: 'the maximum call duration comparison inverted (CallChannels)',
    file: 'dist/src/routing/call-channels.js',
    from: 'now - call.startedAt > this.maxCallMs',
    to: 'now - call.startedAt < this.maxCallMs',
    tests: 'dist/test/unit/routing',
  },
  {
    name: 'the printable-ASCII password rule deleted',
    file: 'dist/src/auth/account-passwords.js',
    from: '!/^[\\x21-\\x7e]+$/.test(password)',
    to: 'false',
    tests: 'dist/test/unit/auth',
  },
  {
    name: 'a repeated CSeq no longer refused (parser)',
    file: 'dist/src/core/messages/parser.js',
    from: 'sum.dupCseq = true;',
    to: '{}',
    tests: 'dist/test/unit/messages',
  },
  {
    name: 'a repeated To no longer refused (parser)',
    file: 'dist/src/core/messages/parser.js',
    from: 'sum.dupTo = true;',
    to: '{}',
    tests: 'dist/test/unit/messages',
  },
];

let restore = () => {};
process.on('SIGINT', () => {
  restore();
  process.exit(130);
});

const testFiles = (dir) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => join(dir, f));
const failsTap = (files) => spawnSync('tap', ['--reporter', 'silent', ...files], { cwd: ROOT, stdio: 'ignore' }).status !== 0;

// A failure counts only if the same tests pass without the bug.
for (const dir of new Set(BUGS.map((b) => b.tests))) {
  if (failsTap(testFiles(dir))) {
    console.error(`${dir}: the unit tests fail without any bug put in; fix them first`);
    process.exit(2);
  }
}

let missed = 0;
for (const bug of BUGS) {
  const path = join(ROOT, bug.file);
  const original = readFileSync(path, 'utf8');
  const at = original.indexOf(bug.from);
  if (at === -1 || original.indexOf(bug.from, at + 1) !== -1) {
    console.error(`${bug.file}: "${bug.from}" must occur exactly once (was the code changed? update this list)`);
    process.exit(2);
  }
  restore = () => writeFileSync(path, original);
  writeFileSync(path, original.slice(0, at) + bug.to + original.slice(at + bug.from.length));
  const caught = failsTap(testFiles(bug.tests));
  restore();
  restore = () => {};
  if (!caught) missed++;
  console.log(`${caught ? 'caught    ' : 'NOT CAUGHT'}  ${bug.name}  (${bug.tests})`);
}
process.exit(missed === 0 ? 0 : 1);

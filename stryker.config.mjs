// StrykerJS settings for `npm run mutation` (scripts/mutation.mjs), which adds
// per module: the files to mutate, the unit test files that reach them, the
// incremental file and the report folder. See docs/testing.md.
//
// Wiring: Stryker instruments src/**/*.ts in its sandbox (every mutant behind a
// switch), the build command (scripts/mutation.mjs --sandbox-build) compiles the
// sandbox once with the project's incremental tsc (only the instrumented files are re-emitted), and the tap
// runner runs the compiled unit tests in dist/test/unit with plain node, each
// mutant switched on by an environment variable. The TypeScript checker, when
// on, drops mutants that would not compile.

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'tap',
  tap: { testFiles: ['dist/test/unit/**/*.test.js'], forceBail: true },
  // Off by default (scripts/mutation.mjs --check turns it on): on this project it costs seconds per mutant.
  checkers: [],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 10000,
  incremental: true,
  reporters: ['html', 'json', 'progress'],
  // Only what the build and the unit tests need goes into the sandbox.
  ignorePatterns: ['reports', 'docs', 'docker', 'data', 'bench/out', '.tap', 'test/sipp', 'test/portal', '*.log', '.tools'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};

import { join } from 'node:path';
import type { Test } from 'tap';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

/** The issues a ConfigError lists (each names its field); a test failure when `fn` does not throw one. */
export function issuesOf(t: Test, fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  t.fail('expected a ConfigError');
  return [];
}

/** Loads a config file with these contents (no environment overrides). */
export function loadConfigText(t: Test, contents: string): Config {
  const dir = t.testdir({ 'c.yaml': contents });
  return loadConfig({ file: join(dir, 'c.yaml'), env: {} });
}

/** The issues of a config file with these contents. */
export function configTextIssues(t: Test, contents: string): string[] {
  return issuesOf(t, () => loadConfigText(t, contents));
}

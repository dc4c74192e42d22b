import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up to package.json, so the same code
 * works from bench/lib/*.ts (tsx) and from dist/bench/lib/*.js (compiled).
 */
export function repoRoot(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('bench: package.json not found above ' + fileURLToPath(from));
    dir = up;
  }
}

/** True when running the TypeScript sources through tsx rather than dist/. */
export function runningUnderTsx(from: string = import.meta.url): boolean {
  return from.endsWith('.ts');
}

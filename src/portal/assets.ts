import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The portal's files, read once at start: static HTML/CSS from
 * src/portal/web/static, and the browser modules compiled by
 * tsconfig.portal.json into dist/src/portal/web. Only names listed here are
 * ever served (no path from the request touches the file system).
 */
export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Repository root, from dist/src/portal/ (compiled) or src/portal/ (tsx). */
function root(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, here.replace(/\/$/, '').endsWith(join('dist', 'src', 'portal')) ? '../../..' : '../..');
}

export function portalDirs(base = root()): { staticDir: string; scriptDir: string } {
  return { staticDir: join(base, 'src', 'portal', 'web', 'static'), scriptDir: join(base, 'dist', 'src', 'portal', 'web') };
}

export function loadAssets(dirs = portalDirs()): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const dir of [dirs.staticDir, dirs.scriptDir]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const type = TYPES[extname(name)];
      if (!type || !/^[a-z0-9-]+\.[a-z]+$/.test(name)) continue;
      const body = readFileSync(join(dir, name));
      assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  }
  return assets;
}

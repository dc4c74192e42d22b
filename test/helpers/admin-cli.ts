import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './server-process.js';

/** The admin CLI (src/cli/admin.ts) as an operator runs it: a process of its own, its token and ETags under `home`. */
const underTsx = import.meta.url.endsWith('.ts');
const cliArgv = underTsx ? ['--import', 'tsx', join(ROOT, 'src', 'cli', 'admin.ts')] : [join(ROOT, 'dist', 'src', 'cli', 'admin.js')];

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A runner for the API at `base`, keeping its files in `home` (XDG_CONFIG_HOME). */
export function adminCli(base: string, home: string) {
  return (args: string[], stdin = '', env: Record<string, string> = {}): Promise<CliRun> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [...cliArgv, ...args], {
        cwd: ROOT,
        env: { ...process.env, XDG_CONFIG_HOME: home, SOFTSWITCH_API: base, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout += c;
      });
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.once('error', reject);
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.end(stdin);
    });
}

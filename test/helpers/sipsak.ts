import { spawn } from 'node:child_process';
import { freePort } from './free-port.js';
import { exitOnSignals } from './server-process.js';

/**
 * sipsak (Debian's `sipsak`), the SIP command-line tool, run to completion
 * and killed after `timeoutMs`. `-p` (the softswitch as outbound proxy) comes
 * before `-s`: sipsak resolves the `-s` host as soon as it reads it unless a
 * proxy is already set, and the test domain has no DNS. `-vvv` prints every
 * request and reply, which the tests read.
 */
export interface SipsakResult {
  /** 0: a 2xx final reply; 1: another final reply; 2: none or a local error (e.g. an unsupported challenge). */
  code: number | null;
  output: string;
  command: string;
}

export async function runSipsak(proxyPort: number, args: string[], timeoutMs = 10_000): Promise<SipsakResult> {
  exitOnSignals();
  const argv = ['-p', `127.0.0.1:${proxyPort}`, '-vvv', ...args];
  return new Promise((resolve, reject) => {
    const child = spawn('sipsak', argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: string) => {
      output += chunk;
    };
    child.stdout.setEncoding('latin1').on('data', collect);
    child.stderr.setEncoding('latin1').on('data', collect);
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    const timer = setTimeout(kill, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      process.off('exit', kill);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      process.off('exit', kill);
      resolve({ code, output, command: `sipsak ${argv.join(' ')}` });
    });
  });
}

/** An OPTIONS request to the domain (sipsak's default mode). */
export function sipsakOptions(proxyPort: number, domain: string): Promise<SipsakResult> {
  return runSipsak(proxyPort, ['-s', `sip:${domain}`]);
}

/**
 * One REGISTER with digest authentication (usrloc mode), from a port of its
 * own that it also listens on (`-S -l`), its Contact on 127.0.0.1. `-u` is
 * needed: without it sipsak authenticates as `user@`.
 */
export async function sipsakRegister(
  proxyPort: number,
  line: { sipId: string; password: string; domain: string; expires?: number },
): Promise<SipsakResult & { port: number }> {
  const port = await freePort();
  const result = await runSipsak(proxyPort, [
    '-U',
    '-s',
    `sip:${line.sipId}@${line.domain}`,
    '-u',
    line.sipId,
    '-a',
    line.password,
    '-S',
    '-l',
    String(port),
    '-H',
    '127.0.0.1',
    '-x',
    String(line.expires ?? 120),
  ]);
  return { ...result, port };
}

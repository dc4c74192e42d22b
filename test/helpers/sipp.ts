import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { freePort } from './free-port.js';
import { exitOnSignals, ROOT, tempDir } from './server-process.js';

/**
 * Runs a real SIPp scenario against a test server, always bounded: `-m`
 * calls, a global `-timeout`, a receive timeout, and a hard kill on top.
 * Each run gets its own temp directory for SIPp's trace files.
 */
export interface SippOptions {
  /** A file name in test/sipp/, or an absolute path. */
  scenario: string;
  target: { host?: string; port: number };
  transport?: 'udp' | 'tcp';
  /** -m: calls to run before exiting (default 1). */
  calls?: number;
  /** -timeout in seconds (default 10); the process is killed 5 s after it. */
  timeoutSec?: number;
  /** -recv_timeout in ms: a missing answer fails the call (default 3000). */
  recvTimeoutMs?: number;
  /** -au / -ap for `[authentication]` without parameters. */
  username?: string;
  password?: string;
  /**
   * -auth_uri: the digest uri without its scheme (SIPp prepends `sip:`). SIPp
   * otherwise uses sip:REMOTE_IP:PORT, which the server rightly refuses unless
   * it is the Request-URI: scenarios with `REGISTER sip:[field2]` pass the domain here.
   */
  authUri?: string;
  /** Rows of an injection file (-inf), each an array of fields; SEQUENTIAL. */
  injection?: string[][];
  /** -key NAME VALUE: `[NAME]` in the scenario. */
  keys?: Record<string, string>;
  /** -i: local address to bind (default 127.0.0.1; any loopback address). */
  localIp?: string;
  /** -p: local port (default: a free one), e.g. the port a trunk registered from. */
  localPort?: number;
  /** Kill SIPp (SIGKILL) when aborted, e.g. a UAS that is no longer expected to get a call. */
  signal?: AbortSignal;
  extraArgs?: string[];
}

export interface SippResult {
  /** 0: every call succeeded; 1: at least one failed; others: SIPp could not run. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The -trace_msg log: every message sent and received. */
  messages: string;
  /** The -trace_err log: unexpected messages. */
  errors: string;
  successful: number | undefined;
  failed: number | undefined;
  /** The command line, for failure messages. */
  command: string;
}

export async function runSipp(options: SippOptions): Promise<SippResult> {
  exitOnSignals();
  const dir = tempDir('ss-sipp-');
  const scenario = isAbsolute(options.scenario) ? options.scenario : join(ROOT, 'test', 'sipp', options.scenario);
  const timeoutSec = options.timeoutSec ?? 10;
  const messageFile = join(dir, 'messages.log');
  const errorFile = join(dir, 'errors.log');
  const args = [
    `${options.target.host ?? '127.0.0.1'}:${options.target.port}`,
    '-sf',
    scenario,
    '-t',
    options.transport === 'tcp' ? 't1' : 'u1',
    '-i',
    options.localIp ?? '127.0.0.1',
    '-p',
    String(options.localPort ?? (await freePort(options.localIp))),
    '-m',
    String(options.calls ?? 1),
    '-timeout',
    `${timeoutSec}s`,
    '-timeout_error',
    '-recv_timeout',
    String(options.recvTimeoutMs ?? 3000),
    '-nostdin',
    // No BYE/CANCEL of its own when a call fails: the failure is the answer we check.
    '-nd',
    '-trace_msg',
    '-message_file',
    messageFile,
    '-trace_err',
    '-error_file',
    errorFile,
  ];
  if (options.username !== undefined) args.push('-au', options.username);
  if (options.password !== undefined) args.push('-ap', options.password);
  if (options.authUri !== undefined) args.push('-auth_uri', options.authUri);
  if (options.injection) {
    const csv = join(dir, 'injection.csv');
    writeFileSync(csv, `SEQUENTIAL\n${options.injection.map((row) => row.join(';')).join('\n')}\n`);
    args.push('-inf', csv);
  }
  for (const [name, value] of Object.entries(options.keys ?? {})) args.push('-key', name, value);
  args.push(...(options.extraArgs ?? []));

  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('latin1').on('data', (c: string) => {
      out += c;
    });
    child.stderr.setEncoding('latin1').on('data', (c: string) => {
      err += c;
    });
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    options.signal?.addEventListener('abort', kill, { once: true });
    const timer = setTimeout(kill, (timeoutSec + 5) * 1000);
    child.once('error', (e) => {
      clearTimeout(timer);
      process.off('exit', kill);
      reject(e);
    });
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      process.off('exit', kill);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code: exitCode, stdout: out, stderr: err });
    });
  });

  const read = (file: string) => (existsSync(file) ? readFileSync(file, 'latin1') : '');
  return {
    code,
    stdout,
    stderr,
    messages: read(messageFile),
    errors: read(errorFile),
    successful: counter(stdout, 'Successful call'),
    failed: counter(stdout, 'Failed call'),
    command: `sipp ${args.join(' ')}`,
  };
}

/** The cumulative column of a counter row of SIPp's final screen. */
function counter(screen: string, name: string): number | undefined {
  const rows = [...screen.matchAll(new RegExp(`${name}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g'))];
  const last = rows.at(-1);
  return last ? Number(last[2]) : undefined;
}

/** Extra fields for a tap assertion (shown when it fails): the command, the end of the screen, the errors log. */
export function describeSipp(result: SippResult): { command: string; code: number | null; screen: string; stderr: string; errors: string } {
  return { command: result.command, code: result.code, screen: result.stdout.slice(-1500), stderr: result.stderr, errors: result.errors.slice(-1500) };
}

/** The SIP messages SIPp received (from its message log), in order, each as text with CRLF line ends. */
export function receivedMessages(result: SippResult): string[] {
  return loggedMessages(result, 'received');
}

/** The SIP messages SIPp sent (from its message log), in order. */
export function sentMessages(result: SippResult): string[] {
  return loggedMessages(result, 'sent');
}

/** Retransmissions (byte-identical repeats) are left out, so timing cannot change the sequence. */
function loggedMessages(result: SippResult, direction: 'sent' | 'received'): string[] {
  const out: string[] = [];
  for (const block of result.messages.split(/^-{5,} .*$/m)) {
    const m = /^\s*\w+ message (sent|received)[^\n]*\n\r?\n/.exec(block);
    if (m?.[1] !== direction) continue;
    const text = block.slice(m[0].length).replace(/\r?\n/g, '\r\n').trim();
    if (!out.includes(text)) out.push(text);
  }
  return out;
}

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort } from './free-port.js';
import { writeConfig, type BaresipAccount } from './baresip-config.js';
import { exitOnSignals } from './server-process.js';

/**
 * baresip (Debian's `baresip-core`), a real softphone, run headless: its own
 * config directory (`baresip -f DIR`), SIP on a loopback port, audio through
 * the `aubridge` module (no sound card: what it plays comes back as its
 * source), G.711 only. It is driven through the `ctrl_tcp` module (netstring
 * JSON commands, `{"command":"dial","params":URI}`) and reports calls there as
 * events (CALL_ESTABLISHED, CALL_CLOSED, ...). Registration results are read
 * from its console output, printed unbuffered: they may come before the
 * control connection is up.
 */
export interface BaresipEvent {
  type: string;
  class?: string;
  /** The call's SIP Call-ID (call events). */
  id?: string;
  direction?: 'incoming' | 'outgoing';
  peeruri?: string;
  /** CALL_CLOSED: the reason, e.g. "Connection reset by user" or "486 Busy Here". */
  param?: string;
  [field: string]: unknown;
}

/** One SIP message from its `-s` trace: `UDP 127.0.0.1:5060 -> 127.0.0.1:5070` and the message. */
export interface TracedMessage {
  transport: string;
  from: string;
  to: string;
  /** Its start line and headers (no body), CRLF line ends as on the wire. */
  text: string;
}

/** What its console prints for a REGISTER: `AOR: {0/UDP/v4} 200 OK (server) [1 binding]` or `reg: sip:AOR: REASON`. */
export type RegistrationResult = { ok: true; line: string } | { ok: false; reason: string };

const START_ATTEMPTS = 3;
/** Errors are printed in red: a line may start with an ANSI colour code. */
const COLOUR = '\\x1b\\[[;\\d]*m';

export class Baresip {
  /** Every event from the control connection, in order. */
  readonly events: BaresipEvent[] = [];
  private outputText = '';
  private readonly waiters = new Set<() => void>();
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;
  private control?: net.Socket;
  private controlBuffer = '';
  private readonly pending = new Map<string, (response: { ok: boolean; data: string }) => void>();
  private nextToken = 1;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    readonly account: BaresipAccount,
    /** Its own SIP port on 127.0.0.1. */
    readonly sipPort: number,
    private readonly controlPort: number,
    private readonly child: ChildProcess,
  ) {
    process.once('exit', this.killOnExit);
    const onOutput = (chunk: string) => {
      this.outputText += chunk;
      this.wake();
    };
    child.stdout!.setEncoding('utf8').on('data', onOutput);
    child.stderr!.setEncoding('utf8').on('data', onOutput);
    // Not installed (`scripts/setup.mjs --test` installs Debian's baresip-core): say so instead of crashing the test.
    child.once('error', (err) => onOutput(`cannot run baresip: ${err.message}\n`));
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => {
        this.exitCode = code;
        process.off('exit', this.killOnExit);
        this.control?.destroy();
        this.wake();
        resolve();
      });
    });
  }

  /**
   * Start baresip for one account and connect to its control port. It
   * registers at once; `registration()` says how that went. A port taken
   * between choosing and binding it makes baresip exit: start again then.
   */
  static async start(account: BaresipAccount, options: { sipTrace?: boolean; lifetimeMs?: number } = {}): Promise<Baresip> {
    exitOnSignals();
    for (let attempt = 1; ; attempt++) {
      const sipPort = await freePort();
      const controlPort = await freePort();
      const dir = writeConfig(account, sipPort, controlPort);
      const child = spawn('baresip', ['-f', dir, ...(options.sipTrace ? ['-s'] : [])], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const phone = new Baresip(account, sipPort, controlPort, child);
      // A test that forgets to stop it, or hangs, still does not leave it running.
      setTimeout(() => child.kill('SIGKILL'), options.lifetimeMs ?? 60_000).unref();
      try {
        await phone.waitForOutput(/baresip is ready\./, 10_000);
        await phone.connectControl();
        return phone;
      } catch (err) {
        const portTaken = /Address already in use/.test(phone.output);
        await phone.stop();
        if (!portTaken || attempt >= START_ATTEMPTS) throw new Error(`baresip did not start: ${(err as Error).message}\n${phone.output}`, { cause: err });
      }
    }
  }

  /** Everything it printed (stdout and stderr, interleaved as they came). */
  get output(): string {
    return this.outputText;
  }

  /** The SIP messages of its `-s` trace (start it with `sipTrace`), sent and received, whose start line matches. */
  traced(startLine: RegExp): TracedMessage[] {
    const plain = this.outputText.replace(new RegExp(COLOUR, 'g'), '');
    const messages: TracedMessage[] = [];
    for (const m of plain.matchAll(/^#\n(\w+) (\S+) -> (\S+)\n([^\n]*\r\n[\s\S]*?\r\n\r\n)/gm)) {
      if (startLine.test(m[4]!.slice(0, m[4]!.indexOf('\r\n')))) messages.push({ transport: m[1]!, from: m[2]!, to: m[3]!, text: m[4]! });
    }
    return messages;
  }

  /** The first registration result it printed (waits for it). */
  async registration(timeoutMs = 15_000): Promise<RegistrationResult> {
    const aor = escape(`${this.account.user}@${this.account.domain}`);
    const match = await this.waitForOutput(new RegExp(`^(?:${COLOUR})?(?:${aor}: (\\{\\d+/\\w+/v\\d\\} 200 OK.*)|reg: sip:${aor}: (.*))$`, 'm'), timeoutMs);
    return match[1] !== undefined ? { ok: true, line: match[1] } : { ok: false, reason: match[2]!.replace(new RegExp(COLOUR, 'g'), '').trim() };
  }

  /** The first event of `type` (at or after index `since`) that `where` accepts; waits for it. */
  waitForEvent(type: string, opts: { since?: number; where?: (e: BaresipEvent) => boolean; timeoutMs?: number } = {}): Promise<BaresipEvent> {
    const { since = 0, where = () => true, timeoutMs = 15_000 } = opts;
    return this.waitUntil(() => this.events.slice(since).find((e) => e.type === type && where(e)), timeoutMs, `no ${type} event`);
  }

  /** Index to pass as `since`: only events after now. */
  mark(): number {
    return this.events.length;
  }

  /** Call a SIP URI (through its outbound proxy). */
  dial(uri: string): Promise<{ ok: boolean; data: string }> {
    return this.command('dial', uri);
  }

  /** Hang up its current call (BYE, or CANCEL while ringing). */
  hangup(): Promise<{ ok: boolean; data: string }> {
    return this.command('hangup');
  }

  /** One ctrl_tcp command; resolves with its response. */
  command(command: string, params = ''): Promise<{ ok: boolean; data: string }> {
    const token = String(this.nextToken++);
    const body = JSON.stringify({ command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip: no response to ${command} within 5 s`));
      }, 5_000);
      this.pending.set(token, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.control!.write(`${Buffer.byteLength(body)}:${body},`);
    });
  }

  /** SIGTERM (it unregisters on the way out), SIGKILL if it is still there after `timeoutMs`. */
  async stop(timeoutMs = 3_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  private async connectControl(): Promise<void> {
    const socket = net.connect(this.controlPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8').on('data', (chunk: string) => this.onControlData(chunk));
    this.control = socket;
  }

  /** Netstrings: `LENGTH:JSON,`. */
  private onControlData(chunk: string): void {
    this.controlBuffer += chunk;
    for (;;) {
      const header = /^(\d+):/.exec(this.controlBuffer);
      if (!header) return;
      const start = header[0].length;
      const bytes = Buffer.from(this.controlBuffer.slice(start), 'utf8');
      const length = Number(header[1]);
      if (bytes.length < length + 1) return;
      const body = bytes.subarray(0, length).toString('utf8');
      this.controlBuffer = bytes.subarray(length + 1).toString('utf8');
      const message = JSON.parse(body) as Record<string, unknown>;
      if (message.event === true) this.events.push(message as BaresipEvent);
      else if (message.response === true && typeof message.token === 'string') {
        this.pending.get(message.token)?.({ ok: message.ok === true, data: typeof message.data === 'string' ? message.data : '' });
        this.pending.delete(message.token);
      }
      this.wake();
    }
  }

  private waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return this.waitUntil(() => pattern.exec(this.outputText) ?? undefined, timeoutMs, `no output matching ${pattern}`);
  }

  private waitUntil<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = find();
        if (found !== undefined) {
          done();
          resolve(found);
          return true;
        }
        if (this.exitCode !== undefined) {
          done();
          reject(new Error(`baresip exited (${this.exitCode}): ${what}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = () => void check();
      if (!check()) this.waiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import { Redis } from 'ioredis';
import net from 'node:net';

/** One command as Redis' MONITOR saw it. */
export interface SeenCommand {
  name: string;
  args: string[];
  /** 'lua' for a command a script ran, else the client's address. */
  source: string;
}

/**
 * Every command a Redis executes, from MONITOR on a connection of its own,
 * to count what a request cost. `mark()` returns the commands seen since
 * the previous mark: it sends a marker through a second connection and
 * waits until MONITOR shows it, so everything executed before is in.
 *
 * MONITOR is spoken over a plain socket, not ioredis' `monitor()`: when
 * another client's command is shown in the same read as MONITOR's +OK,
 * ioredis takes that line for a reply to nothing and throws from its socket
 * handler ("Command queue state error"), which ends the test process.
 */
export class RedisMonitor {
  private seen: SeenCommand[] = [];
  private waiting: { marker: string; resolve: () => void } | undefined;
  private count = 0;
  private pending = '';

  private constructor(
    private readonly socket: net.Socket,
    private readonly client: Redis,
  ) {}

  static async open(url: string): Promise<RedisMonitor> {
    const { hostname, port } = new URL(url);
    const socket = net.connect(Number(port) || 6379, hostname || '127.0.0.1');
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const monitor = new RedisMonitor(socket, client);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // Redis escapes every byte outside printable ASCII in what MONITOR shows, so its lines are ASCII.
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => monitor.read(chunk, resolve, reject));
      socket.write('MONITOR\r\n');
    });
    socket.on('error', () => undefined);
    return monitor;
  }

  /** The commands executed since the last mark (scripts' own commands left out unless `withScripts`). */
  async mark(withScripts = false): Promise<SeenCommand[]> {
    const marker = `mark-${++this.count}`;
    const shown = new Promise<void>((resolve) => (this.waiting = { marker, resolve }));
    await this.client.echo(marker);
    await shown;
    const out = this.seen;
    this.seen = [];
    return withScripts ? out : out.filter((c) => c.source !== 'lua');
  }

  close(): void {
    this.socket.destroy();
    this.client.disconnect();
  }

  private read(chunk: string, started: () => void, failed: (error: Error) => void): void {
    const lines = (this.pending + chunk).split('\r\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '+OK') started();
      else if (line.startsWith('-')) failed(new Error(`MONITOR refused: ${line.slice(1)}`));
      else if (line.startsWith('+')) this.shown(parseMonitorLine(line.slice(1)));
    }
  }

  private shown(command: SeenCommand | undefined): void {
    if (!command) return;
    const waiting = this.waiting;
    if (command.name === 'echo' && waiting && command.args[0] === waiting.marker) {
      waiting.resolve();
      return;
    }
    this.seen.push(command);
  }
}

const ESCAPED: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, b: 8, '"': 34, '\\': 92 };

/** One line MONITOR shows: `<time> [<db> <client address or lua>] "<name>" "<arg>" ...`, each quoted with C-style escapes. */
export function parseMonitorLine(line: string): SeenCommand | undefined {
  const open = line.indexOf('[');
  const close = line.indexOf('] "', open);
  if (open < 0 || close < 0) return undefined;
  const header = line.slice(open + 1, close);
  const source = header.slice(header.indexOf(' ') + 1);
  const words: string[] = [];
  let i = close + 2;
  while (i < line.length && line[i] === '"') {
    const bytes: number[] = [];
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === '\\' && line[i + 1] === 'x') {
        bytes.push(Number.parseInt(line.slice(i + 2, i + 4), 16));
        i += 4;
      } else if (line[i] === '\\') {
        bytes.push(ESCAPED[line[i + 1] ?? ''] ?? line.charCodeAt(i + 1));
        i += 2;
      } else {
        bytes.push(line.charCodeAt(i));
        i++;
      }
    }
    words.push(Buffer.from(bytes).toString('utf8'));
    i += 2; // the closing quote and the space before the next word
  }
  const [name = '', ...args] = words;
  return { name: name.toLowerCase(), args, source };
}

/** The commands that name `word` in a key or argument (those a request about it sent). */
export function naming(commands: readonly SeenCommand[], word: string): SeenCommand[] {
  return commands.filter((c) => c.args.some((a) => a.includes(word)));
}

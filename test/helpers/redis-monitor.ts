import { Redis } from 'ioredis';

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
 */
export class RedisMonitor {
  private seen: SeenCommand[] = [];
  private waiting: { marker: string; resolve: () => void } | undefined;
  private count = 0;

  private constructor(
    private readonly monitor: Awaited<ReturnType<Redis['monitor']>>,
    private readonly client: Redis,
    private readonly base: Redis,
  ) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const [name = '', ...rest] = args;
      const waiting = this.waiting;
      if (name.toLowerCase() === 'echo' && waiting && rest[0] === waiting.marker) {
        waiting.resolve();
        return;
      }
      this.seen.push({ name: name.toLowerCase(), args: rest, source });
    });
  }

  static async open(url: string): Promise<RedisMonitor> {
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    // monitor() opens a connection of its own from the base client's options.
    const base = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    const monitor = await base.monitor();
    for (const c of [client, base, monitor]) c.on('error', () => undefined);
    return new RedisMonitor(monitor, client, base);
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
    this.monitor.disconnect();
    this.client.disconnect();
    this.base.disconnect();
  }
}

/** The commands that name `word` in a key or argument (those a request about it sent). */
export function naming(commands: readonly SeenCommand[], word: string): SeenCommand[] {
  return commands.filter((c) => c.args.some((a) => a.includes(word)));
}

import type { Metrics } from './metrics.js';

/** What ioredis hands `sendCommand` (a Redis or a Cluster client): the command's name and its reply. */
interface SentCommand {
  name: string;
  promise: Promise<unknown>;
  /** Set once the command is being timed (see observeRedisCommands). */
  [OBSERVED]?: true;
}

interface CommandClient {
  sendCommand(command: SentCommand, ...rest: unknown[]): unknown;
}

const OBSERVED = Symbol('softswitch.observed');

/**
 * Times every command a client sends, and counts the ones that fail, by
 * command name (Redis' own names and EVALSHA for our scripts: a fixed set).
 * ioredis passes every command through `sendCommand`, pipelined ones
 * included; a command sent again from the offline queue after a reconnect
 * is observed once, from its first sending.
 *
 * Every REGISTER and call sends commands, so this stays cheap: a mark on
 * the command rather than a WeakSet (whose entries the collector must
 * trace), one label object per command name, and `performance.now()`
 * rather than prom-client's timer (an `hrtime` array and a closure a call).
 */
export function observeRedisCommands(client: CommandClient, metrics: Metrics): void {
  const labelsByName = new Map<string, { command: string }>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: SentCommand, ...rest: unknown[]): unknown => {
    if (command[OBSERVED] === undefined) {
      command[OBSERVED] = true;
      let labels = labelsByName.get(command.name);
      if (labels === undefined) {
        labels = { command: command.name.toLowerCase() };
        labelsByName.set(command.name, labels);
      }
      const started = performance.now();
      const timed = labels;
      command.promise.then(
        () => metrics.redisCommandDuration.observe(timed, (performance.now() - started) / 1000),
        () => metrics.redisCommandErrors.inc(timed),
      );
    }
    return send(command, ...rest);
  };
}

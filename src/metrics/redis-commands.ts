import type { Metrics } from './metrics.js';

const OBSERVED = Symbol('softswitch.observed');

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
  const labelsOf = (name: string): { command: string } => {
    let labels = labelsByName.get(name);
    if (labels === undefined) labelsByName.set(name, (labels = { command: name.toLowerCase() }));
    return labels;
  };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: SentCommand, ...rest: unknown[]): unknown => {
    if (command[OBSERVED] === undefined) {
      command[OBSERVED] = true;
      const labels = labelsOf(command.name);
      const started = performance.now();
      command.promise.then(
        () => metrics.redisCommandDuration.observe(labels, (performance.now() - started) / 1000),
        () => metrics.redisCommandErrors.inc(labels),
      );
    }
    return send(command, ...rest);
  };
}

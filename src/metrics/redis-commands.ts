import type { Metrics } from './metrics.js';

/** What ioredis hands `sendCommand` (a Redis or a Cluster client): the command's name and its reply. */
interface SentCommand {
  name: string;
  promise: Promise<unknown>;
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
 */
export function observeRedisCommands(client: CommandClient, metrics: Metrics): void {
  const seen = new WeakSet<SentCommand>();
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: SentCommand, ...rest: unknown[]): unknown => {
    if (!seen.has(command)) {
      seen.add(command);
      const name = command.name.toLowerCase();
      const end = metrics.redisCommandDuration.startTimer({ command: name });
      command.promise.then(
        () => end(),
        () => metrics.redisCommandErrors.inc({ command: name }),
      );
    }
    return send(command, ...rest);
  };
}

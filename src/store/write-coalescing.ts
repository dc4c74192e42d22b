import type { Redis } from 'ioredis';

/** The part of a (single-node) ioredis client this needs: its socket and how it sends a command. */
interface SendingClient {
  stream?: { cork(): void; uncork(): void; writable: boolean } | undefined;
  sendCommand(command: unknown, ...rest: unknown[]): unknown;
}

/**
 * Makes every command a client sends during one turn of the event loop leave
 * in one socket write: the socket is corked at the turn's first command and
 * uncorked by a setImmediate, which runs once the turn's I/O callbacks (every
 * datagram read in it, with the promise work each one started) are done.
 *
 * This replaces ioredis' auto-pipelining for the server's single-Redis client.
 * Auto-pipelining writes a batch per process tick, so at load each request's
 * commands were a write (a system call) of their own, and it builds a
 * `Pipeline` object per batch (which copies every script command onto
 * itself) and keeps one batch in flight at a time, so a command waits for the
 * previous batch's replies. Corked commands go straight into ioredis' command
 * queue, their replies are matched in order as usual, and a command is held
 * back at most until the end of the current turn.
 */
export function coalesceWrites(redis: Redis): void {
  const client = redis as unknown as SendingClient;
  const send = client.sendCommand.bind(client);
  let corked: SendingClient['stream'] = undefined;
  const uncork = (): void => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  client.sendCommand = (command: unknown, ...rest: unknown[]): unknown => {
    // A pipeline's commands (a stream of its own passed in) are written by ioredis as one already.
    const stream = client.stream;
    if (corked === undefined && rest[0] === undefined && stream?.writable) {
      corked = stream;
      stream.cork();
      setImmediate(uncork);
    }
    return send(command, ...rest);
  };
}

import type { Redis } from 'ioredis';

/**
 * Management writes use WATCH/MULTI (the provisioning apply), and WATCH
 * belongs to a connection: so they get their own connection, one at a time,
 * away from the SIP hot path's shared, auto-pipelined one.
 */
export class SerialWriter {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly redis: Redis) {}

  run<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const next = this.tail.then(() => work(this.redis));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

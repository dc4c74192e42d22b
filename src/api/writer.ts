import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { ManagementLock } from '../store/management-lock.js';
import { ApiError } from './errors.js';

/** A write holds the lock at most this long (writes take milliseconds; this only bounds a crashed node). */
const LOCK_TTL_MS = 10_000;
/** How long a write waits for another node's write to finish. */
const LOCK_WAIT_MS = 5_000;

/**
 * Management writes read, check If-Match and apply (WATCH/MULTI) as one step.
 * They run one at a time: in this process through a queue, across nodes
 * through a short Redis lock, so no write can slip between another's check
 * and its apply on any node. WATCH belongs to a connection, so the writes
 * get a connection of their own, away from the SIP hot path.
 */
export class SerialWriter {
  private tail: Promise<unknown> = Promise.resolve();

  private readonly lock: ManagementLock;

  constructor(readonly redis: Redis) {
    this.lock = new ManagementLock(redis);
  }

  run<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const next = this.tail.then(() => this.locked(work));
    this.tail = next.catch(() => undefined);
    return next;
  }

  private async locked<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    const token = randomBytes(12).toString('hex');
    const deadline = Date.now() + LOCK_WAIT_MS;
    while (!(await this.lock.take(token, LOCK_TTL_MS))) {
      if (Date.now() > deadline) throw new ApiError(503, 'busy', 'another change is being applied; try again');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    try {
      return await work(this.redis);
    } finally {
      await this.lock.release(token).catch(() => undefined);
    }
  }
}

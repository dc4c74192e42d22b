import { ReplyError, type Redis } from 'ioredis';
import type { Log } from '../log.js';

/** Seconds a client is told to wait when the store is away (RFC 3261 §21.5.4: 503 with Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

/** ioredis 5 rejects a command past `commandTimeout` with a plain Error of this message; it has no class of its own. */
const COMMAND_TIMED_OUT = 'Command timed out';

/** Replies of a Redis that is up but cannot serve yet (loading its data, failing over). */
const NOT_SERVING_REPLY = /^(LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY)\b/;

/** Socket errors of an unreachable Redis. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Whether `err` means the store is unavailable (answer 503 and wait), as
 * opposed to a bug in our own code (500). Decided by the error's kind and the
 * clients' state: a command timed out (a stalled Redis), retries ran out, the
 * socket failed, Redis said it cannot serve yet, or an ioredis error came
 * while a client in use is not `ready` (its connection is down).
 */
export function isStoreUnavailable(err: unknown, clients: ReadonlyArray<Pick<Redis, 'status'>> = []): boolean {
  if (!(err instanceof Error)) return false;
  if (err instanceof ReplyError) return NOT_SERVING_REPLY.test(err.message);
  if (err.name === 'MaxRetriesPerRequestError' || err.message === COMMAND_TIMED_OUT) return true;
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  // ioredis reports a closed or unwritable connection with a plain Error; our own bugs are TypeErrors and the like.
  return err.constructor === Error && clients.some((c) => c.status !== 'ready');
}

/**
 * The store's availability as the service sees it, in one place for SIP and
 * the API: the first request that fails because of Redis starts an outage
 * (one `store.unavailable` line), a PING every `probeMs` watches for its end
 * (one `store.available` line), whatever the number of requests in between.
 */
export class StoreOutage {
  private readonly clients: Redis[];
  private startedAt: number | undefined;
  private probe: NodeJS.Timeout | undefined;
  private probing = false;

  constructor(
    clients: Redis[],
    private readonly log: Log,
    private readonly probeMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.clients = [...clients];
  }

  /** Another connection whose state counts (e.g. the API's write connection). */
  track(client: Redis): void {
    this.clients.push(client);
  }

  get down(): boolean {
    return this.startedAt !== undefined;
  }

  /** True when `err` is the store being unavailable; the first such error of an outage is logged with `context`. */
  failed(err: unknown, context: Record<string, unknown>): boolean {
    if (!isStoreUnavailable(err, this.clients)) return false;
    if (this.startedAt === undefined) {
      this.startedAt = this.now();
      this.log.warn({ event: 'store.unavailable', ...context, err: (err as Error).message }, 'Redis unavailable: answering 503 until it answers again');
      this.probe = setInterval(() => void this.check(), this.probeMs);
      this.probe.unref();
    }
    return true;
  }

  close(): void {
    if (this.probe) clearInterval(this.probe);
    this.probe = undefined;
  }

  private async check(): Promise<void> {
    if (this.probing || this.startedAt === undefined) return;
    this.probing = true;
    try {
      await Promise.all(this.clients.map((c) => c.ping()));
      this.log.info({ event: 'store.available', downMs: this.now() - this.startedAt }, 'Redis answers again');
      this.startedAt = undefined;
      this.close();
    } catch {
      // Still away (each PING is bounded by the client's commandTimeout); try again next tick.
    } finally {
      this.probing = false;
    }
  }
}

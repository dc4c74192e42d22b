import { createHmac } from 'node:crypto';
import type { Clock, TimerHandle } from '../core/transactions/clock.js';
import { systemClock } from '../core/transactions/clock.js';
import type { Log } from '../log.js';
import type { TrunkStateEvent } from './trunk-events.js';

export interface WebhookSettings {
  url: string;
  secret?: string | undefined;
  /** ms one POST may take. */
  timeoutMs: number;
  queueSize: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** One POST: resolves with the HTTP status, rejects on a network error or timeout. */
export type WebhookPost = (url: string, body: string, headers: Record<string, string>, timeoutMs: number) => Promise<number>;

export const SIGNATURE_HEADER = 'x-softswitch-signature';

/** Node's fetch, bounded by the timeout. */
export const fetchPost: WebhookPost = async (url, body, headers, timeoutMs) => {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  await response.body?.cancel();
  return response.status;
};

/** `sha256=<hex>` of the body, keyed with the secret: the receiver recomputes it to know the sender. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Wait before attempt `n + 1` after `n` failed attempts: base doubled each time, capped. */
export function backoffMs(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(failedAttempts - 1, 0), maxMs);
}

/** How often dropped deliveries are summarised in the log, at most. */
const DROP_LOG_INTERVAL_MS = 10_000;

/**
 * Delivers trunk-state events to the configured URL, one at a time in order.
 * `send` only queues and returns: the SIP side never waits for the receiver.
 * A failed POST (network error, timeout, any status outside 2xx) is retried
 * with exponential back-off up to maxAttempts; the queue is bounded, and when
 * full the oldest waiting event is dropped and counted (`webhook.dropped`).
 */
export class WebhookSender {
  private readonly queue: Array<{ event: TrunkStateEvent; attempts: number }> = [];
  private busy = false;
  private retryTimer: TimerHandle | undefined;
  private closed = false;
  private droppedSinceLog = 0;
  private lastDropLog = -Infinity;
  /** Delivered, given up after maxAttempts, dropped because the queue was full: for a metric to read. */
  readonly counts = { delivered: 0, failedAttempts: 0, gaveUp: 0, dropped: 0 };

  constructor(
    private readonly settings: WebhookSettings,
    private readonly log: Log,
    private readonly post: WebhookPost = fetchPost,
    private readonly clock: Clock = systemClock,
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  send(event: TrunkStateEvent): void {
    if (this.closed) return;
    if (this.queue.length >= this.settings.queueSize) {
      // The head may be in flight or waiting to retry; drop the oldest one behind it (or the head when it is alone).
      this.queue.splice(this.queue.length > 1 ? 1 : 0, 1);
      this.dropped('queue full');
    }
    this.queue.push({ event, attempts: 0 });
    this.next();
  }

  close(): void {
    this.closed = true;
    this.clock.clearTimeout(this.retryTimer);
    this.flushDropLog();
  }

  private next(): void {
    if (this.busy || this.closed || this.retryTimer !== undefined) return;
    const head = this.queue[0];
    if (!head) return;
    this.busy = true;
    head.attempts++;
    this.attempt(head.event).then(
      (outcome) => this.settled(head, outcome),
      (err: unknown) => this.settled(head, err instanceof Error ? err.message : String(err)),
    );
  }

  /** 'ok', or why it failed. */
  private async attempt(event: TrunkStateEvent): Promise<string> {
    const body = JSON.stringify(event);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-softswitch-event': event.event,
      'x-softswitch-delivery': event.id,
    };
    if (this.settings.secret) headers[SIGNATURE_HEADER] = signature(this.settings.secret, body);
    const status = await this.post(this.settings.url, body, headers, this.settings.timeoutMs);
    return status >= 200 && status < 300 ? 'ok' : `HTTP ${status}`;
  }

  private settled(head: { event: TrunkStateEvent; attempts: number }, outcome: string): void {
    this.busy = false;
    if (this.closed) return;
    const index = this.queue.indexOf(head);
    if (index < 0) {
      this.next(); // dropped while in flight (a queue of one): the newer event goes next
      return;
    }
    if (outcome === 'ok') {
      this.counts.delivered++;
      this.queue.splice(index, 1);
      this.flushDropLog();
      this.next();
      return;
    }
    this.counts.failedAttempts++;
    const base = { event: 'webhook.failed', of: head.event.event, delivery: head.event.id, attempt: head.attempts, why: outcome };
    if (head.attempts >= this.settings.maxAttempts) {
      this.counts.gaveUp++;
      this.log.error({ ...base, gaveUp: true }, 'webhook delivery failed; giving up on it');
      this.queue.splice(index, 1);
      this.next();
      return;
    }
    const waitMs = backoffMs(head.attempts, this.settings.retryBaseMs, this.settings.retryMaxMs);
    this.log.warn({ ...base, retryInMs: waitMs }, 'webhook delivery failed; will retry');
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.next();
    }, waitMs);
  }

  private dropped(why: string): void {
    this.counts.dropped++;
    this.droppedSinceLog++;
    const now = this.clock.now();
    if (now - this.lastDropLog >= DROP_LOG_INTERVAL_MS) {
      this.lastDropLog = now;
      this.flushDropLog(why);
    }
  }

  private flushDropLog(why = 'queue full'): void {
    if (this.droppedSinceLog === 0) return;
    this.log.warn({ event: 'webhook.dropped', count: this.droppedSinceLog, queueSize: this.settings.queueSize, why }, 'webhook events dropped, oldest first');
    this.droppedSinceLog = 0;
  }
}

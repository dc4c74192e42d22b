import type { ChainableCommander } from 'ioredis';
import type { Log } from '../log.js';
import type { Redis } from './redis.js';

/**
 * Provisioned data changes rarely and is read on every request, so nodes
 * keep copies of it (src/store/line-cache.ts). Every change is announced on
 * one pub/sub channel, inside the transaction that makes it (so the message
 * leaves Redis right after the write, and never without it), and every node
 * drops its copies when it hears it. A node that is not subscribed (starting,
 * or its subscription connection lost) cannot hear changes: it uses no copy
 * until it is subscribed again, and drops them all when it is.
 */
const CHANNEL = 'prov:changed';

/** The channel's name: pub/sub channels take no key prefix, so the prefix is added here. */
export function provisioningChannel(redis: Redis): string {
  return `${redis.options.keyPrefix ?? ''}${CHANNEL}`;
}

/** Queues the announcement in a transaction that changes provisioned data. */
export function announceProvisioningChange(tx: ChainableCommander, redis: Redis): void {
  tx.publish(provisioningChannel(redis), '*');
}

/** What a node-local copy of provisioned data needs to know. */
export interface ProvisioningChanges {
  /** True while changes are heard: only then may a copy be used. */
  readonly live: boolean;
  /** Called on every change heard, and whenever hearing starts or stops. */
  onChange(listener: () => void): void;
}

/** Listens on a connection of its own (a subscribed connection takes no other commands). */
export class ProvisioningWatch implements ProvisioningChanges {
  private subscribed = false;
  private readonly listeners: Array<() => void> = [];
  private readonly subscriber: Redis;

  constructor(redis: Redis, log: Log) {
    const channel = provisioningChannel(redis);
    this.subscriber = redis.duplicate({ autoResubscribe: false, enableOfflineQueue: true });
    this.subscriber.on('error', () => undefined /* the main client logs outages */);
    this.subscriber.on('message', (from: string) => {
      if (from === channel) this.changed();
    });
    this.subscriber.on('close', () => this.setSubscribed(false));
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(channel).then(
        () => this.setSubscribed(true),
        (err: unknown) => log.warn({ event: 'provisioning.watch_failed', err: String(err) }, 'could not subscribe to provisioning changes; not caching'),
      );
    });
  }

  get live(): boolean {
    return this.subscribed;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Resolves once subscribed (or after `timeoutMs`: the node then runs without copies until it is). */
  async ready(timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.subscribed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  close(): void {
    this.subscriber.disconnect();
    this.setSubscribed(false);
  }

  private setSubscribed(subscribed: boolean): void {
    this.subscribed = subscribed;
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

import type { SipRequest } from '../messages/index.js';
import type { Source } from '../transport/transport.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { ResponseSender, ServerTransaction } from './server-transaction.js';
import { ExpiryQueue, TIMER_64T1 } from './timers.js';

/**
 * Holds the live server transactions, keyed per RFC 3261 §17.2.3, and ends
 * them when their timers run out.
 */
export class TransactionLayer {
  private readonly transactions = new Map<string, ServerTransaction>();
  /** One queue per delay keeps each queue in deadline order. */
  private readonly queues = new Map<number, ExpiryQueue>();

  constructor(private readonly sender: ResponseSender) {}

  get size(): number {
    return this.transactions.size;
  }

  find(key: string): ServerTransaction | undefined {
    return this.transactions.get(key);
  }

  createServerTransaction(key: string, request: SipRequest, source: Source): ServerTransaction {
    const tx = request.method === 'INVITE'
      ? new InviteServerTransaction(key, request, source, this.sender,
        (t) => this.forget(t),
        (delay, t) => this.after(delay, () => t.terminate()))
      : new NonInviteServerTransaction(key, request, source, this.sender, (t) => {
        // Timer J: absorb retransmissions for 64*T1 on UDP; nothing to absorb on TCP.
        if (t.reliable) this.forget(t);
        else this.after(TIMER_64T1, () => this.forget(t));
      });
    this.transactions.set(key, tx);
    return tx;
  }

  private after(delayMs: number, run: () => void): void {
    if (delayMs === 0) return run();
    let queue = this.queues.get(delayMs);
    if (!queue) {
      queue = new ExpiryQueue();
      this.queues.set(delayMs, queue);
    }
    queue.add(delayMs, run);
  }

  private forget(tx: ServerTransaction): void {
    tx.state = 'terminated';
    if (this.transactions.get(tx.key) === tx) this.transactions.delete(tx.key);
  }

  close(): void {
    for (const queue of this.queues.values()) queue.stop();
    for (const tx of this.transactions.values()) {
      if (tx instanceof InviteServerTransaction) tx.terminate();
    }
    this.transactions.clear();
  }
}

/**
 * Channel accounting for the calls this node carries (docs/product.md §2): a channel is
 * taken per line and call leg at the INVITE, kept while the call lasts, and
 * given back on the final failure or the BYE. The shared count lives in Redis
 * with expiring entries; this node refreshes its own entries while their calls
 * last, so a node that dies stops refreshing and its channels come back by
 * themselves.
 */
export interface ChannelAccounting {
  acquire(sipId: string, legId: string, channels: number, ttlMs: number): Promise<boolean>;
  refresh(sipId: string, legId: string, ttlMs: number): Promise<unknown>;
  release(sipId: string, legId: string): Promise<void>;
}

interface Leg {
  sipId: string;
  legId: string;
}

export interface CallChannelsOptions {
  /** Entry lifetime in Redis; refreshed every third of it. */
  ttlMs?: number;
  /** A call with no BYE after this long is let go (both ends vanished). */
  maxCallMs?: number;
  now?: () => number;
}

export class CallChannels {
  private readonly calls = new Map<string, { legs: Leg[]; startedAt: number }>();
  private readonly ttlMs: number;
  private readonly maxCallMs: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: ChannelAccounting,
    options: CallChannelsOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 90_000;
    this.maxCallMs = options.maxCallMs ?? 12 * 3600_000;
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.refreshAll(), this.ttlMs / 3);
    this.timer.unref();
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** Channels held now by this node's calls (one per line and leg). */
  get channelsInUse(): number {
    let legs = 0;
    for (const call of this.calls.values()) legs += call.legs.length;
    return legs;
  }

  /** Takes one channel of the line for this call; false when every channel is in use. */
  async take(callId: string, sipId: string, channels: number, role: 'in' | 'out'): Promise<boolean> {
    const legId = `${callId}|${role}`;
    if (!(await this.store.acquire(sipId, legId, channels, this.ttlMs))) return false;
    let call = this.calls.get(callId);
    if (!call) {
      call = { legs: [], startedAt: this.now() };
      this.calls.set(callId, call);
    }
    call.legs.push({ sipId, legId });
    return true;
  }

  /** Gives back the channel one leg of a call took on a line (a failed attempt on that line). */
  async give(callId: string, sipId: string, role: 'in' | 'out'): Promise<void> {
    const call = this.calls.get(callId);
    if (!call) return;
    const legId = `${callId}|${role}`;
    const mine = (l: Leg): boolean => l.sipId === sipId && l.legId === legId;
    const legs = call.legs.filter(mine);
    call.legs = call.legs.filter((l) => !mine(l));
    if (call.legs.length === 0) this.calls.delete(callId);
    await Promise.all(legs.map((l) => this.store.release(l.sipId, l.legId)));
  }

  /** The call ended (BYE, failure, CANCEL): every channel it held comes back. */
  async end(callId: string): Promise<void> {
    const call = this.calls.get(callId);
    if (!call) return;
    this.calls.delete(callId);
    await Promise.all(call.legs.map((l) => this.store.release(l.sipId, l.legId)));
  }

  has(callId: string): boolean {
    return this.calls.has(callId);
  }

  private async refreshAll(): Promise<void> {
    const now = this.now();
    for (const [callId, call] of this.calls) {
      if (now - call.startedAt > this.maxCallMs) {
        await this.end(callId).catch(() => undefined);
        continue;
      }
      for (const leg of call.legs) await this.store.refresh(leg.sipId, leg.legId, this.ttlMs).catch(() => undefined);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

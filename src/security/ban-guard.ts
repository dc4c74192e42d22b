import type { SipRequest } from '../core/messages/index.js';
import type { Source } from '../core/transport/transport.js';
import { servedWhileBanned, type BindingSource } from './ban-rules.js';
import type { SecurityStore } from '../store/security-store.js';

/** What happens to a new request: served, dropped without a word, or refused with 403. */
export type ScreenVerdict = 'accept' | 'drop' | 'forbid';
export type BanAction = 'drop' | '403';

/** How often each node reloads the bans from Redis: a ban made elsewhere applies here within this. */
export const BAN_REFRESH_MS = 1_000;

/**
 * Keeps banned sources out before any digest work, on every node. Bans live
 * in Redis; each node holds a local copy, reloaded every second (and updated
 * at once when this node bans), so the check is a map lookup on the receive
 * path: no Redis round trip per request, no transaction, no 100 Trying for a
 * banned source, and a flood from it costs the parse and nothing more.
 */
export class BanGuard {
  /** Banned address -> ban end (ms). */
  private banned = new Map<string, number>();
  /** Banned address -> the endpoints there with a live binding (exempt, see servedWhileBanned). */
  private sources = new Map<string, BindingSource[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: SecurityStore,
    private readonly action: BanAction,
    private readonly now: () => number = Date.now,
  ) {}

  async start(refreshMs = BAN_REFRESH_MS): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch(() => undefined /* Redis away: keep the last copy; the client logs it */);
    }, refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async refresh(): Promise<void> {
    const banned = await this.store.bannedUntil(this.now());
    const sources = await this.store.bindingSources([...banned.keys()]);
    this.banned = banned;
    this.sources = groupByAddress(sources);
  }

  /** Addresses banned now, as this node's copy has them (the same list on every node). */
  get activeBans(): number {
    const now = this.now();
    let count = 0;
    for (const until of this.banned.values()) if (until > now) count++;
    return count;
  }

  /** A ban this node just made: in force here at once, not at the next reload. */
  noteBan(address: string, until: number, sources: BindingSource[]): void {
    this.banned.set(address, until);
    this.sources.set(address, sources);
  }

  /**
   * The verdict on a new request from `source`. Only requests that start
   * something are screened: in-dialog requests and CANCEL belong to what was
   * already admitted.
   */
  screen(request: SipRequest, source: Source): ScreenVerdict {
    const until = this.banned.get(source.address);
    if (until === undefined) return 'accept';
    const now = this.now();
    if (until <= now) {
      this.banned.delete(source.address);
      return 'accept';
    }
    if (request.method === 'CANCEL' || request.method === 'ACK' || request.to()?.params.tag != null) return 'accept';
    if (servedWhileBanned(source, digestUsername(request), this.sources.get(source.address) ?? [], now)) return 'accept';
    return this.action === '403' ? 'forbid' : 'drop';
  }
}

/** The username of the request's digest credentials, if it has any. */
function digestUsername(request: SipRequest): string | undefined {
  for (const header of ['authorization', 'proxy-authorization']) {
    for (const credentials of request.credentials(header)) {
      if (credentials && credentials.scheme.toLowerCase() === 'digest' && credentials.params.username !== undefined) {
        return credentials.params.username;
      }
    }
  }
  return undefined;
}

function groupByAddress(sources: BindingSource[]): Map<string, BindingSource[]> {
  const out = new Map<string, BindingSource[]>();
  for (const s of sources) out.set(s.address, [...(out.get(s.address) ?? []), s]);
  return out;
}

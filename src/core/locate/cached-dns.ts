import { Resolver } from 'node:dns/promises';
import type { DnsQueries, NaptrRecord, SrvRecord } from './locate.js';
import { TtlCache } from './ttl-cache.js';

/**
 * The DNS answers RFC 3263 needs, from node:dns (the system's servers, or
 * those configured: "127.0.0.1:5353" works), cached per name. A and AAAA are
 * kept for their own TTL (bounded by `maxTtlSeconds`); node does not report
 * the TTL of NAPTR and SRV answers, so those are kept `recordSeconds`. A name
 * that does not resolve (or a server that does not answer) is asked again
 * after NEGATIVE_MS, so one dead name costs one look-up per few seconds, not
 * one per call.
 */
export interface CachedDnsOptions {
  /** DNS servers ("192.0.2.53", "127.0.0.1:5353"); empty: the system's. */
  servers: readonly string[];
  /** Per query try, ms. */
  timeoutMs: number;
  /** How long NAPTR and SRV answers are kept, s. */
  recordSeconds: number;
  /** A and AAAA answers are kept their TTL, at most this long, s. */
  maxTtlSeconds: number;
  maxEntries: number;
  now?: () => number;
}

export const NEGATIVE_MS = 5_000;

export class CachedDns implements DnsQueries {
  private readonly resolver: Resolver;
  private readonly cache: TtlCache<unknown>;

  constructor(private readonly options: CachedDnsOptions) {
    this.resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
    if (options.servers.length > 0) this.resolver.setServers([...options.servers]);
    this.cache = new TtlCache(options.maxEntries, options.now);
  }

  naptr(name: string): Promise<NaptrRecord[]> {
    return this.cached(`NAPTR ${name}`, async () => ({ value: await this.resolver.resolveNaptr(name), ttlMs: this.options.recordSeconds * 1000 }));
  }

  srv(name: string): Promise<SrvRecord[]> {
    return this.cached(`SRV ${name}`, async () => ({ value: await this.resolver.resolveSrv(name), ttlMs: this.options.recordSeconds * 1000 }));
  }

  async addresses(name: string): Promise<string[]> {
    const [v4, v6] = await Promise.all([
      this.cached(`A ${name}`, async () => this.withTtl(await this.resolver.resolve4(name, { ttl: true }))),
      this.cached(`AAAA ${name}`, async () => this.withTtl(await this.resolver.resolve6(name, { ttl: true }))),
    ]);
    return [...v4, ...v6];
  }

  /** Entries cached now (for tests and status). */
  get size(): number {
    return this.cache.size;
  }

  private withTtl(records: Array<{ address: string; ttl: number }>): { value: string[]; ttlMs: number } {
    const ttl = Math.min(...records.map((r) => r.ttl), this.options.maxTtlSeconds);
    return { value: records.map((r) => r.address), ttlMs: Math.max(ttl, 0) * 1000 };
  }

  private async cached<T>(key: string, ask: () => Promise<{ value: T[]; ttlMs: number }>): Promise<T[]> {
    const hit = this.cache.get(key) as T[] | undefined;
    if (hit) return hit;
    try {
      const { value, ttlMs } = await ask();
      this.cache.set(key, value, value.length > 0 ? ttlMs : NEGATIVE_MS);
      return value;
    } catch {
      // NXDOMAIN, no data, time-out, refused: nothing to try at this name for now.
      this.cache.set(key, [], NEGATIVE_MS);
      return [];
    }
  }
}

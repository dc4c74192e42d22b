/**
 * Whether this node should get traffic (`/readyz`): Redis answers, the SIP
 * sockets are bound, and the node is not draining. Liveness (`/healthz`) is
 * only "the process answers"; a Redis outage makes a node unready, never
 * dead, so a container manager does not restart a node for Redis' sake.
 */

export interface ReadinessChecks {
  /** Resolves when Redis answers a PING; rejects or hangs past the timeout otherwise. */
  pingRedis(): Promise<unknown>;
  /** Every configured SIP socket is bound. */
  sipBound(): boolean;
}

export interface ReadinessReport {
  ready: boolean;
  /** Each check by name: `ok`, or why not. Names and reasons only: no address, URL or secret. */
  checks: { redis: 'ok' | 'not answering'; sip: 'ok' | 'not bound'; draining: boolean };
}

export interface ReadinessOptions {
  /** A PING slower than this counts as not answering (ms). */
  redisTimeoutMs: number;
  /** A Redis answer is reused this long, so probes in a burst cost one PING (ms). */
  cacheMs?: number;
  now?: () => number;
}

export class Readiness {
  private drainingSince: number | undefined;
  private lastPing: { at: number; ok: boolean } | undefined;
  private pending: Promise<boolean> | undefined;
  private readonly now: () => number;
  private readonly cacheMs: number;

  constructor(
    private readonly checks: ReadinessChecks,
    private readonly options: ReadinessOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.cacheMs = options.cacheMs ?? 1000;
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** From now on the node reports unready; it never becomes ready again (it is stopping). */
  startDraining(): void {
    this.drainingSince ??= this.now();
  }

  async report(): Promise<ReadinessReport> {
    const redis = await this.redisAnswers();
    const sip = this.checks.sipBound();
    return {
      ready: redis && sip && !this.draining,
      checks: { redis: redis ? 'ok' : 'not answering', sip: sip ? 'ok' : 'not bound', draining: this.draining },
    };
  }

  private redisAnswers(): Promise<boolean> {
    const now = this.now();
    if (this.lastPing && now - this.lastPing.at < this.cacheMs) return Promise.resolve(this.lastPing.ok);
    this.pending ??= this.ping().then((ok) => {
      this.lastPing = { at: this.now(), ok };
      this.pending = undefined;
      return ok;
    });
    return this.pending;
  }

  private async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.options.redisTimeoutMs);
    });
    try {
      return await Promise.race([
        this.checks.pingRedis().then(
          () => true,
          () => false,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}

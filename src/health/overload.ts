import type { HeaderList, IncomingRequest } from '../core/server/incoming-request.js';
import type { RequestHandler } from '../core/server/sip-server.js';
import type { Log } from '../log.js';

export interface OverloadOptions {
  /** The wait (ms) the node keeps datagrams under by refusing new work; 0: never refuse. */
  maxQueueDelayMs: number;
  /** The Retry-After of the 503 (seconds). */
  retryAfterSeconds: number;
  log: Log;
  /** 0 <= x < 1; tests pass their own. */
  random?: () => number;
  /** ms; tests pass their own. */
  now?: () => number;
}

/** Per probe, the share moves by ALPHA per second the wait is over (or under) the limit... */
export const ALPHA = 0.25;
/** ...and by BETA per second the wait grew (or shrank) since the probe before. */
export const BETA = 1.25;
/** While the node keeps up (two waits in a row under half the limit), the share also shrinks by this factor per probe, as PIE's does when its queue is empty. */
export const DECAY = 0.9;
/**
 * Refusing needs this many waits in a row of at least half the limit (one
 * pause, a collection or a burst, is not a trend), and either the share at
 * SAFE_SHARE or more, or those waits over the limit itself: a node near its
 * capacity, whose queue comes and goes under the limit, turns nobody away.
 */
export const SUSTAINED_SAMPLES = 2;
export const SAFE_SHARE = 0.2;
/**
 * Nor when no probe has come for this long (ms): the kernel may steer the
 * probes to other workers for a while, and a share set on old waits is no
 * reason to refuse.
 */
export const STALE_AFTER_MS = 1000;

/**
 * Load shedding, so that a node offered more than it can carry still
 * completes about what it can (SIP overload, RFC 6357), rather than
 * collapsing: past capacity, datagrams wait in the socket longer and longer,
 * and once a caller waits 500 ms for an answer it sends its INVITE again
 * (RFC 3261 timer A), which adds load, until nearly every call fails.
 *
 * The signal is how long datagrams wait before they are read (QueueProbe).
 * The share of new INVITEs and REGISTERs answered 503 with Retry-After
 * (§21.5.4) is set the way PIE sets a router's drop probability (RFC 8033),
 * a proportional-integral controller: on each probe it moves by how much the
 * wait changed since the probe before (BETA), so it follows the wait as fast
 * as the wait grows, steeply when the node is far over capacity and gently
 * when it is a little over; and by how far the wait is over or under the
 * limit (ALPHA), which keeps raising it while the wait stays over the limit
 * and lowers it back once the node keeps up, faster still while the queue
 * stays short (DECAY). A refusal costs a parse and one answer, about a tenth
 * of a call; the calls under way (their ACKs, BYEs, re-INVITEs) are never
 * refused. As in PIE, nothing is refused while the wait is short
 * (SUSTAINED_SAMPLES, SAFE_SHARE), nor on old news (STALE_AFTER_MS).
 *
 * Logged once when refusing starts and once when the share is back to 0.
 */
export class Overload {
  private share = 0;
  private lastDelayMs = 0;
  private lastProbeAt = -Infinity;
  /** Waits in a row of at least half the limit, and of more than the limit. */
  private longInARow = 0;
  private overInARow = 0;
  private episode: { since: number; refused: number; longestMs: number } | undefined;
  private longestSinceRead = 0;
  private readonly retryAfter: HeaderList;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(private readonly options: OverloadOptions) {
    this.retryAfter = [['Retry-After', String(options.retryAfterSeconds)]];
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** The share (0..1) of new calls and registrations refused now. */
  get refusing(): number {
    return this.refusingNow() ? this.share : 0;
  }

  /** The longest wait measured since the last call (ms), for the metrics. */
  takeLongestDelay(): number {
    const longest = this.longestSinceRead;
    this.longestSinceRead = 0;
    return longest;
  }

  /** One measured wait (a probe read, ms). */
  observe(delayMs: number): void {
    this.longestSinceRead = Math.max(this.longestSinceRead, delayMs);
    const limit = this.options.maxQueueDelayMs;
    if (limit <= 0) return;
    if (this.episode) this.episode.longestMs = Math.max(this.episode.longestMs, delayMs);
    const change = (ALPHA * (delayMs - limit) + BETA * (delayMs - this.lastDelayMs)) / 1000;
    const keepingUp = delayMs < limit / 2 && this.lastDelayMs < limit / 2;
    this.share = Math.max(0, Math.min(1, this.share + change) * (keepingUp ? DECAY : 1));
    this.lastDelayMs = delayMs;
    this.lastProbeAt = this.now();
    this.longInARow = delayMs >= limit / 2 ? this.longInARow + 1 : 0;
    this.overInARow = delayMs > limit ? this.overInARow + 1 : 0;
    if (this.share === 0 && this.episode) this.end(this.episode);
  }

  /**
   * A handler for requests that start something new (INVITE, REGISTER): 503
   * for the share refused now, else `handler`. A request that answers our
   * challenge (it carries credentials) finishes an exchange already begun:
   * refusing it would throw the first round's work away and save no more
   * than refusing a new one, so only requests without credentials are
   * refused. Sending made-up credentials gets past this to the digest check,
   * which fails them at the cost of a MAC; bans deal with floods.
   */
  refuseWhileOverloaded(handler: RequestHandler, onRefused?: () => void): RequestHandler {
    return async (request: IncomingRequest) => {
      if (!this.refusingNow() || hasCredentials(request) || this.random() >= this.share) return handler(request);
      this.refused();
      onRefused?.();
      // Nothing kept for 32 s per refused REGISTER (a copy is decided anew); an INVITE's transaction keeps its 503 for the ACK.
      if (request.method === 'INVITE') request.respond(503, 'Service Unavailable', this.retryAfter);
      else request.respondStatelessly(503, 'Service Unavailable', this.retryAfter);
    };
  }

  private refusingNow(): boolean {
    return (
      this.share > 0 &&
      this.longInARow >= SUSTAINED_SAMPLES &&
      this.now() - this.lastProbeAt <= STALE_AFTER_MS &&
      (this.share >= SAFE_SHARE || this.overInARow >= SUSTAINED_SAMPLES)
    );
  }

  private refused(): void {
    if (this.episode) {
      this.episode.refused++;
      return;
    }
    this.episode = { since: this.now(), refused: 1, longestMs: this.lastDelayMs };
    this.options.log.warn(
      {
        event: 'overload.started',
        queueDelayMs: Math.round(this.lastDelayMs),
        maxQueueDelayMs: this.options.maxQueueDelayMs,
        refusing: Math.round(this.share * 100) / 100,
      },
      'falling behind: refusing a share of new calls and registrations with 503',
    );
  }

  private end(episode: { since: number; refused: number; longestMs: number }): void {
    this.episode = undefined;
    this.options.log.info(
      {
        event: 'overload.ended',
        refused: episode.refused,
        seconds: Math.round((this.now() - episode.since) / 100) / 10,
        longestQueueDelayMs: Math.round(episode.longestMs),
      },
      'caught up: accepting every new call and registration again',
    );
  }
}

function hasCredentials(request: IncomingRequest): boolean {
  const headers = request.message.headers;
  return headers.has('authorization') || headers.has('proxy-authorization');
}

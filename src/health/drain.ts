import type { HeaderList, IncomingRequest } from '../core/server/incoming-request.js';
import type { RequestHandler } from '../core/server/sip-server.js';
import type { Log } from '../log.js';
import type { Readiness } from './readiness.js';

export interface DrainOptions {
  /** How long calls in progress get to end before the node stops anyway (seconds). */
  drainSeconds: number;
  /** Calls this node carries now. */
  activeCalls(): number;
  log: Log;
  /** How often the call count is looked at while draining (ms). */
  pollMs?: number;
}

/**
 * Stopping without cutting calls: readiness fails first (load balancers and
 * DNS-SRV-aware peers move new traffic away), new dialogs get 503 with
 * Retry-After (RFC 3261 §21.5.4: the client tries another server, RFC 3263
 * §4.3, and leaves this one alone for that long), while requests inside
 * existing dialogs (re-INVITE, BYE, ACK) and REGISTERs are still served.
 * The node then waits until its calls have ended, or `drainSeconds`.
 */
export class Drain {
  private cut: (() => void) | undefined;
  private readonly retryAfter: HeaderList;

  constructor(
    private readonly readiness: Readiness,
    private readonly options: DrainOptions,
  ) {
    this.retryAfter = [['Retry-After', String(Math.max(1, options.drainSeconds))]];
  }

  get draining(): boolean {
    return this.readiness.draining;
  }

  /** A handler for requests that start something new (INVITE, OPTIONS): 503 while draining, else `handler`. */
  refuseWhileDraining(handler: RequestHandler, onRefused?: () => void): RequestHandler {
    return async (request: IncomingRequest) => {
      if (!this.readiness.draining) return handler(request);
      onRefused?.();
      request.respond(503, 'Service Unavailable', this.retryAfter);
    };
  }

  /** Starts draining and resolves when the calls have ended, the time is up, or `cutShort` is called. */
  async run(): Promise<{ waitedMs: number; callsLeft: number }> {
    const { drainSeconds, log, pollMs = 200 } = this.options;
    const activeCalls = (): number => this.options.activeCalls();
    const started = Date.now();
    this.readiness.startDraining();
    log.info({ event: 'server.draining', drainSeconds, activeCalls: activeCalls() }, 'draining: not ready, new calls refused with 503');
    await new Promise<void>((resolve) => {
      const deadline = setTimeout(finish, drainSeconds * 1000);
      const poll = setInterval(() => {
        if (activeCalls() === 0) finish();
      }, pollMs);
      function finish(): void {
        clearTimeout(deadline);
        clearInterval(poll);
        resolve();
      }
      this.cut = finish;
      if (activeCalls() === 0) finish();
    });
    const result = { waitedMs: Date.now() - started, callsLeft: activeCalls() };
    log.info({ event: 'server.drained', ...result }, result.callsLeft === 0 ? 'every call ended' : 'drain time up: stopping with calls in progress');
    return result;
  }

  /** Stop waiting now (a second signal). */
  cutShort(): void {
    this.cut?.();
  }
}

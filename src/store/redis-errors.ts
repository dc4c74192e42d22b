import type { HeaderList, IncomingRequest } from '../core/server/incoming-request.js';
import type { RequestHandler } from '../core/server/sip-server.js';
import type { Log } from '../log.js';

/** Seconds a client is told to wait when the store is away (RFC 3261 §21.5.4: 503 with Retry-After). */
export const RETRY_AFTER_SECONDS = 5;

/** Errors ioredis raises when Redis cannot be reached, as opposed to bugs in our own code. */
export function isStoreUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return err.name === 'MaxRetriesPerRequestError'
    || ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOENT'].includes(code)
    || /Stream isn't writeable|Connection is closed|enableOfflineQueue|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN/.test(err.message);
}

/**
 * Wraps a handler so that a Redis outage answers 503 with Retry-After instead
 * of a 500, and logs the outage at most once a second, not once per request.
 */
export function unavailableWhenStoreDown(handler: RequestHandler, log: Log): RequestHandler {
  let lastLogged = 0;
  const retryAfter: HeaderList = [['Retry-After', String(RETRY_AFTER_SECONDS)]];
  return async (request: IncomingRequest) => {
    try {
      await handler(request);
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      const now = Date.now();
      if (now - lastLogged > 1000) {
        lastLogged = now;
        log.warn({ event: 'store.unavailable', method: request.method, err: (err as Error).message }, 'Redis unavailable; answering 503');
      }
      if (!request.answered) request.respond(503, 'Service Unavailable', retryAfter);
    }
  };
}

import type { HeaderList, IncomingRequest } from './core/server/incoming-request.js';
import type { RequestHandler } from './core/server/sip-server.js';
import { RETRY_AFTER_SECONDS, type StoreOutage } from './store/redis-errors.js';

// Where the SIP side meets a store outage: kept out of src/store so the store depends on nothing above it.

/**
 * Wraps a handler so that a Redis outage answers 503 with Retry-After instead
 * of a 500; `outage` logs it once, not once per request, and `onUnavailable`
 * counts each such answer.
 */
export function unavailableWhenStoreDown(handler: RequestHandler, outage: StoreOutage, onUnavailable?: () => void): RequestHandler {
  const retryAfter: HeaderList = [['Retry-After', String(RETRY_AFTER_SECONDS)]];
  return async (request: IncomingRequest) => {
    try {
      await handler(request);
    } catch (err) {
      if (!outage.failed(err, { method: request.method, callId: request.callId })) throw err;
      onUnavailable?.();
      if (!request.answered) request.respond(503, 'Service Unavailable', retryAfter);
    }
  };
}

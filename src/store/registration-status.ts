import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { formatInZone } from '../time.js';
import type { Binding } from '../registrar/binding.js';

export type RegistrationState = 'registered' | 'not registered' | 'not applicable';

export interface LatestError {
  at: string;
  text: string;
}

export interface LineStatus {
  sipId: string;
  status: RegistrationState;
  bindings: Binding[];
  latestError?: LatestError;
}

/**
 * The per-line registration status a customer portal shows, and the latest
 * error with its time (docs/product.md §3).
 */
export class RegistrationStatusStore {
  constructor(
    private readonly redis: Redis,
    private readonly timeZone: string,
  ) {}

  async recordError(sipId: string, at: Date, text: string): Promise<LatestError> {
    const error = { at: formatInZone(at, this.timeZone), text };
    await this.redis.hset(keys.lastError(sipId), error);
    return error;
  }

  /**
   * The same write as recordError, to a throwaway key: done for a SIP-ID that
   * does not exist, so that failing for it costs Redis exactly what failing
   * for a real line does, and creates no key named by whoever sent it.
   */
  async discardError(at: Date, text: string): Promise<void> {
    await this.redis.hset(keys.lastErrorDiscard, { at: formatInZone(at, this.timeZone), text });
  }

  async latestError(sipId: string): Promise<LatestError | undefined> {
    const { at, text } = await this.redis.hgetall(keys.lastError(sipId));
    return at && text ? { at, text } : undefined;
  }
}

export function registrationState(auth: 'digest' | 'ip', liveBindings: number): RegistrationState {
  if (auth === 'ip') return 'not applicable';
  return liveBindings > 0 ? 'registered' : 'not registered';
}

/** Everything a portal or operator needs about one line's registration; null for an unknown line. */
export async function readLineStatus(
  sipId: string,
  stores: {
    lines: { get(sipId: string): Promise<{ auth: 'digest' | 'ip' } | null> };
    bindings: { live(sipId: string, now: number): Promise<Binding[]> };
    status: RegistrationStatusStore;
  },
  now: number,
): Promise<LineStatus | null> {
  const [line, live, latestError] = await Promise.all([stores.lines.get(sipId), stores.bindings.live(sipId, now), stores.status.latestError(sipId)]);
  if (!line) return null;
  return {
    sipId,
    status: registrationState(line.auth, live.length),
    bindings: live,
    ...(latestError ? { latestError } : {}),
  };
}

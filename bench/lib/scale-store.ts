/**
 * Live bindings for bench:scale, written through the server's own store layer
 * (BindingStore: the same keys, script and due-list a REGISTER writes), much
 * faster than registering 100,000 lines over SIP first.
 */
import { Redis } from 'ioredis';
import { normalizeContactKey } from '../../src/registrar/binding-rules.js';
import type { Binding } from '../../src/registrar/binding.js';
import { BindingStore } from '../../src/store/binding-store.js';
import { contactPort, type BenchUser } from './users.js';

/**
 * The binding the k-th user would have after registering from the
 * multi-socket scenario: Contact on its own port (contactPort(k)), an hour to go.
 */
export function benchBinding(user: BenchUser, k: number, now: number): Binding {
  const port = contactPort(k);
  const uri = `sip:${user.sipId}@127.0.0.1:${port};transport=UDP`;
  return {
    key: normalizeContactKey(uri),
    uri,
    expiresAt: now + 3600_000,
    callId: `scale-${k}@bench`,
    cseq: 1,
    path: [],
    source: { transport: 'UDP', address: '127.0.0.1', port, node: 'bench-scale' },
    registeredAt: now,
  };
}

/** Writes one live binding per user, `inFlight` writes at a time; returns how many were written. */
export async function fillBindings(o: { redisUrl: string; keyPrefix: string; users: BenchUser[]; inFlight?: number }): Promise<number> {
  const redis = new Redis(o.redisUrl, { keyPrefix: o.keyPrefix, lazyConnect: true, maxRetriesPerRequest: 1, enableAutoPipelining: true });
  try {
    await redis.connect();
    const store = new BindingStore(redis);
    const now = Date.now();
    const batch = o.inFlight ?? 500;
    let written = 0;
    for (let start = 0; start < o.users.length; start += batch) {
      const slice = o.users.slice(start, start + batch);
      const ok = await Promise.all(slice.map((u, j) => store.replace(u.sipId, { version: '0', bindings: [] }, [benchBinding(u, start + j, now)])));
      written += ok.filter(Boolean).length;
    }
    return written;
  } finally {
    redis.disconnect();
  }
}

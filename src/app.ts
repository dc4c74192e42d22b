import { randomBytes } from 'node:crypto';
import { DigestAuthenticator } from './auth/authenticator.js';
import { NonceIssuer } from './auth/nonce.js';
import { RedisNonceCountStore } from './auth/nonce-count-store.js';
import type { Config } from './config/schema.js';
import type { IncomingRequest } from './core/server/incoming-request.js';
import { SipServer } from './core/server/sip-server.js';
import type { Log } from './log.js';
import { BindingStore } from './registrar/binding-store.js';
import { RegistrationStatusStore } from './registrar/registration-status.js';
import { Registrar } from './registrar/registrar.js';
import { keys } from './store/keys.js';
import { LineStore, type LineRecord } from './store/line-store.js';
import { unavailableWhenStoreDown } from './store/redis-errors.js';
import { createRedis, waitForRedis, type Redis } from './store/redis.js';

export interface Softswitch {
  sip: SipServer;
  redis: Redis;
  close(): Promise<void>;
}

/** How often each node looks for bindings whose time is up. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Wires one softswitch node: Redis, the SIP server and its handlers, and the
 * binding-expiry sweeper. Every node started against the same Redis serves
 * the same lines and bindings.
 */
export async function startSoftswitch(config: Config, log: Log, redisUrl: string): Promise<Softswitch> {
  const redis = createRedis(redisUrl, config.redis.keyPrefix, log, { enableAutoPipelining: true });
  await waitForRedis(redis, 15_000);

  const realm = config.sip.realm;
  const lines = new LineStore(redis);
  const auth = new DigestAuthenticator<LineRecord>(
    realm,
    config.auth.algorithms,
    new NonceIssuer(await nonceSecret(config, redis), realm, config.auth.nonceLifetime * 1000),
    { findDigestUser: async (username) => { const line = await lines.get(username); return line?.auth === 'digest' ? line : null; } },
    new RedisNonceCountStore(redis),
  );
  const bindings = new BindingStore(redis, config.redis.keyPrefix);
  const registrar = new Registrar({
    limits: config.registrar,
    domains: [config.sip.domain.toLowerCase(), realm.toLowerCase(), 'localhost'],
    nodeId: config.nodeId,
    auth,
    bindings,
    status: new RegistrationStatusStore(redis, config.timeZone),
    log,
  });

  const sip = new SipServer({ listen: config.sip.listen, log });
  sip.register(unavailableWhenStoreDown(registrar.handle, log));
  // Trunks send OPTIONS as a keep-alive: answer 200 with what we support.
  sip.options((request: IncomingRequest) => {
    request.respond(200, undefined, [['Allow', 'REGISTER, OPTIONS, ACK, CANCEL'], ['Accept', 'application/sdp'], ['Supported', 'path']]);
  });
  await sip.listen();

  const sweeper = setInterval(() => {
    bindings.sweepExpired(Date.now()).then((expired) => {
      for (const { sipId, binding } of expired) {
        log.info({ event: 'registration.expired', sipId, contact: binding.uri, address: binding.source.address }, 'binding expired');
      }
    }, () => undefined /* Redis away: the client logs it; try again next tick */);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  log.info({ event: 'server.listening', node: config.nodeId, addresses: sip.addresses, domain: config.sip.domain }, 'softswitch listening');
  return {
    sip,
    redis,
    async close() {
      clearInterval(sweeper);
      await sip.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The configured nonce secret, or one shared through Redis so every node signs and checks alike. */
async function nonceSecret(config: Config, redis: Redis): Promise<Buffer> {
  if (config.auth.nonceSecret) return Buffer.from(config.auth.nonceSecret, 'utf8');
  await redis.set(keys.nonceSecret, randomBytes(32).toString('hex'), 'NX');
  const shared = await redis.get(keys.nonceSecret);
  if (!shared) throw new Error('could not read the shared nonce secret from Redis');
  return Buffer.from(shared, 'hex');
}

import type { FastifyInstance } from 'fastify';
import { AccountStore } from './store/account-store.js';
import { createConfiguredAccounts } from './api/accounts/configured-accounts.js';
import { RESOURCE_MODULES } from './api/resources/index.js';
import { createApi } from './api/server.js';
import { registerPortal } from './portal/portal.js';
import { DigestAuthenticator } from './auth/authenticator.js';
import { NonceIssuer } from './auth/nonce.js';
import { RedisNonceCountStore } from './store/nonce-count-store.js';
import type { Config } from './config/schema.js';
import type { IncomingRequest } from './core/server/incoming-request.js';
import { SipServer } from './core/server/sip-server.js';
import type { Log } from './log.js';
import { LogSummariser } from './log-summary.js';
import { BindingStore } from './store/binding-store.js';
import { RegistrationStatusStore } from './store/registration-status.js';
import { Registrar } from './registrar/registrar.js';
import { AuthFailureReporter } from './security/auth-failures.js';
import { BanGuard } from './security/ban-guard.js';
import { SecurityStore } from './store/security-store.js';
import { FeatureStore } from './store/feature-store.js';
import { FeaturePipeline } from './features/pipeline.js';
import { AnonymousRejectionStage } from './features/stages/anonymous-rejection.js';
import { ForwardingStage } from './features/stages/forwarding.js';
import { HuntGroupStage } from './features/stages/hunt-group.js';
import { InternationalBarStage } from './features/stages/international-bar.js';
import { NuisanceBlockingStage } from './features/stages/nuisance-blocking.js';
import { ProxyCore } from './proxy/proxy-core.js';
import { LocalIdentity } from './proxy/record-route.js';
import { ProxySigner } from './proxy/signing.js';
import { CallChannels } from './routing/call-channels.js';
import { CallRouter } from './routing/call-router.js';
import { ChannelStore } from './store/channel-store.js';
import { DecisionLog } from './routing/decision-log.js';
import { RouteStore } from './store/route-store.js';
import { bareHost } from './core/messages/index.js';
import type { TransportName } from './core/transport/transport.js';
import { SecretStore } from './store/secret-store.js';
import { canonicalIp, lineOfNumber, LineStore, type LineRecord } from './store/line-store.js';
import { StoreOutage } from './store/redis-errors.js';
import { reportDamagedValuesTo } from './store/schemas.js';
import { unavailableWhenStoreDown } from './store-outage-handler.js';
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
export async function startSoftswitch(config: Config, log: Log, redisUrl: string | readonly string[]): Promise<Softswitch> {
  const redis = createRedis(redisUrl, config.redis.keyPrefix, log, {
    enableAutoPipelining: true,
    // The outage probe's PING goes straight out, not into a pipeline a stalled Redis holds up.
    autoPipeliningIgnoredCommands: ['ping'],
    commandTimeout: config.redis.commandTimeout,
  });
  await waitForRedis(redis, 15_000);
  reportDamagedValuesTo(log);
  const outage = new StoreOutage([redis], log);
  // One summariser for the events an attacker can repeat (bad packets, failed logins), shared by SIP and the API.
  const summary = new LogSummariser(log, { intervalMs: config.log.summaryInterval * 1000 });

  const realm = config.sip.realm;
  const lines = new LineStore(redis);
  const auth = new DigestAuthenticator<LineRecord>(
    realm,
    config.auth.algorithms,
    new NonceIssuer(await nonceSecret(config, redis), realm, config.auth.nonceLifetime * 1000),
    {
      findDigestUser: async (username) => {
        const line = await lines.get(username);
        return line?.auth === 'digest' ? line : null;
      },
    },
    new RedisNonceCountStore(redis),
  );
  const bindings = new BindingStore(redis);
  const routes = new RouteStore(redis);
  const status = new RegistrationStatusStore(redis, config.timeZone);
  const security = new SecurityStore(redis);
  const guard = new BanGuard(security, config.security.bans.action);
  await guard.start();
  // Addresses that trust ours: IP-authenticated lines, interconnect peers, the carriers our routes send to and the announcement server.
  const announcementServer = config.announcements.server ? canonicalIp(config.announcements.server.address) : null;
  const isTrustedAddress = async (address: string): Promise<boolean> =>
    (announcementServer !== null && canonicalIp(address) === announcementServer) ||
    (await lines.byAddress(address)) !== null ||
    (await routes.peerByAddress(address)) !== null ||
    (await routes.isRouteTarget(address));
  const failures = new AuthFailureReporter({
    store: security,
    guard,
    status,
    settings: config.security.bans,
    log,
    summary,
    trusted: isTrustedAddress,
  });
  // A binding source is kept as long as the longest binding can live.
  const keepSourceMs = config.registrar.maxExpires * 1000 + 60_000;
  const registrar = new Registrar({
    limits: config.registrar,
    domains: [config.sip.domain.toLowerCase(), realm.toLowerCase(), 'localhost'],
    nodeId: config.nodeId,
    auth,
    bindings,
    status,
    failures,
    recordBindingSource: (from, sipId, expiresAt) => security.recordBindingSource(from, sipId, expiresAt, keepSourceMs),
    log,
  });

  const sip = new SipServer({ listen: config.sip.listen, log, summary });
  // Banned sources are turned away before a transaction exists, on every method that starts something.
  sip.screen = (request, source) => guard.screen(request, source);
  sip.register(unavailableWhenStoreDown(registrar.handle, outage));
  // Trunks send OPTIONS as a keep-alive: answer 200 with what we support.
  sip.options((request: IncomingRequest) => {
    request.respond(200, undefined, [
      ['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, UPDATE, INFO, PRACK'],
      ['Accept', 'application/sdp'],
      ['Supported', 'path'],
    ]);
  });
  await sip.listen();

  const features = new FeatureStore(redis);
  const channels = new CallChannels(new ChannelStore(redis));
  const decisions = new DecisionLog(log);
  const pipeline = new FeaturePipeline(
    [
      new NuisanceBlockingStage({
        countRejection: (number, now) => features.countNuisanceRejection(number, now, config.timeZone),
        onCountError: (err, call) => log.error({ event: 'store.error', callId: call.callId, err }, 'could not count a nuisance rejection'),
      }),
      new AnonymousRejectionStage(),
      new InternationalBarStage(),
      new ForwardingStage({ timeZone: config.timeZone, bulkGroupOf: (number) => features.bulkGroupOf(number) }),
      new HuntGroupStage({ groupOf: (number) => features.huntGroupOf(number), nextStartIndex: (id, size) => features.nextRoundRobinStart(id, size) }),
    ],
    { onDecision: decisions.stage },
  );
  const proxy = new ProxyCore(sip, localIdentity(config, sip), new ProxySigner(await new SecretStore(redis).shared('dialog')), log, isTrustedAddress);
  const router = new CallRouter({
    proxy,
    pipeline,
    decisions,
    bindings,
    features,
    routes,
    channels,
    lineOfNumber: (number) => lineOfNumber(redis, lines, number),
    callerSources: { lines, peerByAddress: (address) => routes.peerByAddress(address), auth, failures },
    announcements: config.announcements,
    domain: config.sip.domain,
    nodeId: config.nodeId,
    log,
  });
  sip.invite(unavailableWhenStoreDown(router.handleInvite, outage));
  sip.inDialog(unavailableWhenStoreDown(router.handleInDialog, outage));

  const sweeper = setInterval(() => {
    if (outage.down) return; // its commands would only hold up the pipeline requests wait in
    bindings.sweepExpired(Date.now()).then(
      (expired) => {
        for (const { sipId, binding } of expired) {
          log.info({ event: 'registration.expired', sipId, contact: binding.uri, address: binding.source.address }, 'binding expired');
        }
      },
      () => undefined /* Redis away: the client logs it; try again next tick */,
    );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  const api = await startApi(config, redis, redisUrl, log, { storeOutage: outage, summary });

  log.info({ event: 'server.listening', node: config.nodeId, addresses: sip.addresses, domain: config.sip.domain }, 'softswitch listening');
  return {
    sip,
    redis,
    async close() {
      clearInterval(sweeper);
      guard.stop();
      channels.stop();
      await api?.close();
      await sip.close();
      outage.close();
      summary.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** The configured nonce secret, or one shared through Redis so every node signs and checks alike. */
async function nonceSecret(config: Config, redis: Redis): Promise<Buffer> {
  if (config.auth.nonceSecret) return Buffer.from(config.auth.nonceSecret, 'utf8');
  return new SecretStore(redis).shared('nonce');
}

/** The management API, when operator credentials are configured; otherwise it does not run. */
async function startApi(
  config: Config,
  redis: Redis,
  redisUrl: string | readonly string[],
  log: Log,
  shared: { storeOutage: StoreOutage; summary: LogSummariser },
): Promise<FastifyInstance | undefined> {
  const operator = config.api.operator;
  if (!operator) {
    log.info({ event: 'api.disabled' }, 'management API off: no operator credentials configured (API_OPERATOR_PASSWORD)');
    return undefined;
  }
  const created = await createConfiguredAccounts(new AccountStore(redis, Date.now), config.api.accounts);
  if (created.length) log.info({ event: 'api.accounts_created', accounts: created }, 'customer accounts from the config');
  const writeRedis = createRedis(redisUrl, config.redis.keyPrefix, log, { commandTimeout: config.redis.commandTimeout });
  await waitForRedis(writeRedis, 15_000);
  shared.storeOutage.track(writeRedis);
  const api = createApi({ redis, writeRedis, config, log, secret: await new SecretStore(redis).shared('api'), ...shared }, RESOURCE_MODULES);
  if (config.api.portal) registerPortal(api, { config, log });
  api.addHook('onClose', async () => {
    writeRedis.disconnect();
  });
  const bootstrap = await new AccountStore(redis, Date.now).ensureOperator(operator.name, operator.password);
  if (bootstrap !== 'unchanged') log.info({ event: 'api.operator_account', account: operator.name, result: bootstrap }, 'operator account from the config');
  await api.listen({ host: config.api.address, port: config.api.port });
  log.info({ event: 'api.listening', address: config.api.address, port: (api.server.address() as { port: number }).port }, 'management API listening');
  return api;
}

/** How others reach this node, per transport: `sip.advertisedHost`, else the listen address (a wildcard becomes loopback). */
function localIdentity(config: Config, sip: SipServer): LocalIdentity {
  const advertised = new Map<TransportName, { host: string; port: number }>();
  const configured = config.sip.advertisedHost ? /^\[?([^\]]+?)\]?(?::(\d+))?$/.exec(config.sip.advertisedHost) : null;
  for (const transport of ['UDP', 'TCP', 'WS'] as const) {
    const local = sip.localAddress(transport);
    if (!local) continue;
    const host = configured ? configured[1]! : local.host === '0.0.0.0' || local.host === '::' ? '127.0.0.1' : local.host;
    // The advertised port is the SIP (UDP/TCP) port; WebSocket listens on a port of its own.
    const port = configured?.[2] && transport !== 'WS' ? Number(configured[2]) : local.port;
    advertised.set(transport, { host: host.includes(':') ? `[${host}]` : host, port });
  }
  const extra = [...advertised.values()].map((a) => ({ host: bareHost(a.host), port: a.port }));
  return new LocalIdentity(advertised, extra, config.sip.domain);
}

import { startApi } from './app-api.js';
import { networkInterfaces } from 'node:os';
import { DigestAuthenticator } from './auth/authenticator.js';
import { NonceIssuer } from './auth/nonce.js';
import { RedisNonceCountStore } from './store/nonce-count-store.js';
import type { Config } from './config/schema.js';
import { listenSpecs } from './config/tls-files.js';
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
import { SubscriptionStore } from './store/subscription-store.js';
import { SubscribedFeatures } from './routing/subscribed-features.js';
import { FeaturePipeline } from './features/pipeline.js';
import { AnonymousRejectionStage } from './features/stages/anonymous-rejection.js';
import { ForwardingStage } from './features/stages/forwarding.js';
import { HuntGroupStage } from './features/stages/hunt-group.js';
import { InternationalBarStage } from './features/stages/international-bar.js';
import { NuisanceBlockingStage } from './features/stages/nuisance-blocking.js';
import { ProxyCore } from './proxy/proxy-core.js';
import { localIdentity } from './proxy/advertised-address.js';
import { ProxySigner } from './proxy/signing.js';
import { CallChannels } from './routing/call-channels.js';
import { CallRouter, type CallEnd } from './routing/call-router.js';
import { trustedByAny } from './routing/trusted-addresses.js';
import { startCallSessions } from './app-calls.js';
import { ChannelStore } from './store/channel-store.js';
import { DecisionLog } from './routing/decision-log.js';
import { CallRecorder } from './routing/call-recorder.js';
import { CdrStore } from './store/cdr-store.js';
import { scopesFromLines } from './store/scope-store.js';
import { RouteStore } from './store/route-store.js';
import type { OutboundRoute } from './features/settings.js';
import { SecretStore } from './store/secret-store.js';
import { canonicalIp, LineStore, type LineRecord } from './store/line-store.js';
import { StoreOutage } from './store/redis-errors.js';
import { LineCache } from './store/line-cache.js';
import { ProvisionedCache } from './store/provisioned-cache.js';
import type { Subscriptions } from './features/options.js';
import { ProvisioningWatch } from './store/provisioning-changes.js';
import { reportDamagedValuesTo } from './store/schemas.js';
import { unavailableWhenStoreDown } from './store-outage-handler.js';
import { createRedis, waitForRedis, type Redis } from './store/redis.js';
import { coalesceWrites } from './store/write-coalescing.js';
import { Metrics } from './metrics/metrics.js';
import { observeRedisCommands } from './metrics/redis-commands.js';
import { Readiness } from './health/readiness.js';
import { Drain } from './health/drain.js';
import { loadShedding } from './app-overload.js';
import { startMonitoring } from './app-monitoring.js';
import { startRouteLocation } from './app-routing.js';
import type { InDialogSeen } from './routing/call-liveness.js';
import type { WorkerPeers } from './core/server/worker-dispatch.js';
import type { PeerNotice } from './cluster/peer-message.js';
import { HepSender } from './capture/hep-sender.js';
import { createTrunkEvents, lineStateReporter, startTargetMonitoring } from './monitoring/trunk-watch.js';

/** This process is one worker of several on the node (src/cluster): what it shares with the others. */
export interface WorkerRole {
  /** The channel to the other workers: SIP messages that are theirs, and notices. */
  peers: WorkerPeers & { broadcast(notice: PeerNotice): void };
  /** The first worker runs the node's singletons: the OPTIONS pings and the management API. */
  first: boolean;
  /** How many workers the node runs. */
  count: number;
}

export interface Softswitch {
  sip: SipServer;
  /** Redis answers, SIP is bound, not draining (the primary asks each worker). */
  readiness: Readiness;
  /** A notice from another worker of this node. */
  peerNotice(notice: PeerNotice): void;
  redis: Redis;
  /** This node's metrics; layers count into it through their deps. */
  metrics: Metrics;
  /** Readiness fails, new calls get 503, and this resolves when the calls have ended or `shutdown.drainSeconds` is up. */
  drain(): Promise<void>;
  /** Stop draining now (a second signal). */
  cutDrainShort(): void;
  close(): Promise<void>;
}

/** How often each node looks for bindings whose time is up. */
const SWEEP_INTERVAL_MS = 1_000;

/**
 * Wires one softswitch node: Redis, the SIP server and its handlers, and the
 * binding-expiry sweeper. Every node started against the same Redis serves
 * the same lines and bindings.
 */
export async function startSoftswitch(config: Config, log: Log, redisUrl: string | readonly string[], worker?: WorkerRole): Promise<Softswitch> {
  const cluster = typeof redisUrl !== 'string';
  const redis = createRedis(redisUrl, config.redis.keyPrefix, log, {
    // A single Redis gets each turn's commands in one write (coalesceWrites); a cluster client keeps ioredis' batching per node.
    enableAutoPipelining: cluster,
    // The outage probe's PING goes straight out, not into a pipeline a stalled Redis holds up.
    autoPipeliningIgnoredCommands: ['ping'],
    commandTimeout: config.redis.commandTimeout,
  });
  if (!cluster) coalesceWrites(redis);
  const metrics = new Metrics();
  observeRedisCommands(redis, metrics);
  await waitForRedis(redis, 15_000);
  reportDamagedValuesTo(log);
  const outage = new StoreOutage([redis], log);
  // One summariser for the events an attacker can repeat (bad packets, failed logins), shared by SIP and the API.
  const summary = new LogSummariser(log, { intervalMs: config.log.summaryInterval * 1000 });

  const realm = config.sip.realm;
  const lines = new LineStore(redis);
  const provisioningWatch = new ProvisioningWatch(redis, log);
  await provisioningWatch.ready();
  const lineCopies = new LineCache(lines, provisioningWatch, {
    maxEntries: config.cache.lines,
    numbers: config.cache.numbers,
    addresses: config.cache.addresses,
    ttlMs: config.cache.lineTtl * 1000,
  });
  const auth = new DigestAuthenticator<LineRecord>(
    realm,
    config.auth.algorithms,
    new NonceIssuer(await nonceSecret(config, redis), realm, config.auth.nonceLifetime * 1000),
    {
      findDigestUser: async (username) => {
        const line = await lineCopies.get(username);
        return line?.auth === 'digest' ? line : null;
      },
    },
    new RedisNonceCountStore(redis),
  );
  const bindings = new BindingStore(redis);
  const routes = new RouteStore(redis, {
    copies: { changes: provisioningWatch, addresses: config.cache.addresses, ttlMs: config.cache.lineTtl * 1000 },
  });
  const { locator, peerHosts } = startRouteLocation(config, routes, log);
  const peerByAddress = async (address: string) => (await routes.peerByAddress(address)) ?? peerHosts.peerByAddress(address);
  const status = new RegistrationStatusStore(redis, config.timeZone);
  const security = new SecurityStore(redis);
  const guard = new BanGuard(security, config.security.bans.action);
  await guard.start();
  // Addresses that trust ours: IP-authenticated lines, interconnect peers, the carriers our routes send to and the announcement server.
  const announcementServer = config.announcements.server ? canonicalIp(config.announcements.server.address) : null;
  const isTrustedAddress = trustedByAny([
    (address) => announcementServer !== null && canonicalIp(address) === announcementServer,
    async (address) => (await lineCopies.byAddress(address)) !== null,
    async (address) => (await peerByAddress(address)) !== null,
    (address) => routes.isRouteTarget(address),
    (address) => locator.isLocatedAddress(address),
  ]);
  const failures = new AuthFailureReporter({
    store: security,
    guard,
    status,
    settings: config.security.bans,
    log,
    summary,
    trusted: isTrustedAddress,
    metrics,
  });
  const { events, webhook } = createTrunkEvents(config, log);
  const reportLineState = lineStateReporter(events);
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
    keepSourceMs,
    knownLines: config.cache.bindings,
    onLineState: reportLineState,
    log,
    metrics,
  });

  const dialogSecret = await new SecretStore(redis).shared('dialog');
  const { overload, queueProbe } = loadShedding(config, dialogSecret, log);

  const capture = config.hep.address ? new HepSender({ ...config.hep, address: config.hep.address }, log) : undefined;
  if (capture) log.info({ event: 'hep.enabled', address: config.hep.address, port: config.hep.port, captureId: config.hep.captureId }, 'SIP capture to Homer');
  const sip = new SipServer({
    listen: listenSpecs(config.sip),
    log,
    summary,
    metrics,
    ...(worker ? { worker: worker.peers.self, steerAmong: config.udpSteering === 'dialog' ? worker.count : 1 } : {}),
    ...(capture ? { wireTap: capture.tap } : {}),
    ...(queueProbe ? { queueProbe } : {}),
  });
  if (worker) sip.setWorkerPeers(worker.peers);
  const singletons = worker?.first ?? true;
  // Banned sources are turned away before a transaction exists, on every method that starts something.
  sip.screen = (request, source) => {
    const verdict = guard.screen(request, source);
    if (verdict !== 'accept') metrics.bannedRequests.inc({ action: verdict });
    return verdict;
  };
  let closing = false;
  const readiness = new Readiness(
    { pingRedis: () => redis.ping(), sipBound: () => !closing && sip.addresses.length === config.sip.listen.length },
    { redisTimeoutMs: config.redis.commandTimeout },
  );
  let activeCalls = (): number => 0;
  const drain = new Drain(readiness, { drainSeconds: config.shutdown.drainSeconds, activeCalls: () => activeCalls(), log });
  sip.register(
    overload.refuseWhileOverloaded(
      unavailableWhenStoreDown(registrar.handle, outage, () => metrics.registrations.inc({ outcome: 'unavailable' })),
      () => metrics.registrations.inc({ outcome: 'overloaded' }),
    ),
  );
  // Trunks send OPTIONS as a keep-alive: answer 200 with what we support (503 while draining, so they pick another node).
  sip.options(
    drain.refuseWhileDraining((request: IncomingRequest) => {
      request.respond(200, undefined, [
        ['Allow', sip.allow()],
        ['Accept', 'application/sdp'],
        ['Supported', 'path'],
      ]);
    }),
  );
  // A worker binds last: once its socket joins the port's group the kernel sends it traffic, which must find every handler.
  if (!worker) await sip.listen();

  const storedFeatures = new FeatureStore(redis);
  // Calls see only the options each number has subscribed (docs/product.md §4.6).
  // Subscriptions are written by provisioning only: a node-local copy per number, dropped like the lines'.
  const subscriptions = new SubscriptionStore(redis);
  const subscriptionCopies = new ProvisionedCache<Subscriptions>(provisioningWatch, { maxEntries: config.cache.numbers, ttlMs: config.cache.lineTtl * 1000 });
  const features = new SubscribedFeatures(storedFeatures, { of: async (number) => (await subscriptionCopies.get(number, () => subscriptions.of(number)))! });
  // The liveness watch ends calls at calls.maxDuration with a BYE; these only let go of what it never saw answered.
  const backstopMs = (config.calls.maxDuration + 60) * 1000;
  const channels = new CallChannels(new ChannelStore(redis), { maxCallMs: backstopMs });
  const records = config.cdr.enabled
    ? new CallRecorder(new CdrStore(redis, config.cdr.retentionDays * 86_400_000), scopesFromLines(lineCopies), log, {
        nodeLostAfterMs: config.cdr.nodeLostAfter * 1000,
        maxCallMs: backstopMs,
        nodeId: config.nodeId,
      })
    : undefined;
  const decisions = new DecisionLog(log, metrics, records?.decision);
  const pipeline = new FeaturePipeline(
    [
      new NuisanceBlockingStage({
        countRejection: (number, now) => storedFeatures.countNuisanceRejection(number, now, config.timeZone),
        onCountError: (err, call) => log.error({ event: 'store.error', callId: call.callId, err }, 'could not count a nuisance rejection'),
      }),
      new AnonymousRejectionStage(),
      new InternationalBarStage(),
      new ForwardingStage({
        timeZone: config.timeZone,
        bulkGroupOf: (number) => features.bulkGroupOf(number),
        bulkDestinationOf: (groupId, number) => storedFeatures.bulkDestination(groupId, number),
      }),
      new HuntGroupStage({ groupOf: (number) => features.huntGroupOf(number), nextStartIndex: (id, size) => storedFeatures.nextRoundRobinStart(id, size) }),
    ],
    { onDecision: decisions.stage },
  );
  const identity = localIdentity(sip, {
    advertisedHost: config.sip.advertisedHost,
    domain: config.sip.domain,
    node: config.nodeId,
    interfaces: networkInterfaces(),
    onGuess: (transport, choice) =>
      log.warn(
        { event: 'sip.advertised_host_guessed', transport, host: choice.host, from: choice.from },
        'listening on a wildcard address with no sip.advertisedHost: Via and Record-Route use a guessed address; set sip.advertisedHost',
      ),
  });
  const targetMonitor = startTargetMonitoring({
    config,
    redis,
    sip,
    sentBy: (transport) => identity.sentBy(transport),
    lines,
    routes,
    events,
    log,
    pinging: singletons,
  });
  const signer = new ProxySigner(dialogSecret);
  const proxy = new ProxyCore(sip, identity, signer, log, isTrustedAddress);
  // A request inside a call that the kernel hashed to this worker is told to the worker watching the call.
  const otherWorkers = worker ? { otherWorkers: { inDialog: (seen: InDialogSeen) => worker.peers.broadcast({ type: 'call-refreshed', ...seen }) } } : {};
  const sessions = startCallSessions(config, { redis, sip, identity, signer, proxy, log, ...otherWorkers });
  const { liveness, handover } = sessions;
  const router = new CallRouter({
    proxy,
    liveness,
    pipeline,
    decisions,
    bindings,
    features,
    routes,
    ...(targetMonitor ? { downRoutes: (candidates: readonly OutboundRoute[]) => targetMonitor.downRoutes(candidates) } : {}),
    channels,
    lineOfNumber: (number) => lineCopies.ofNumber(number),
    callerSources: { lines: lineCopies, peerByAddress, auth, failures },
    locator,
    failoverTimeoutMs: config.routing.failoverTimeout * 1000,
    ...(records ? { records } : {}),
    announcements: config.announcements,
    domain: config.sip.domain,
    viaNode: (binding, callId) => handover.viaNode(binding, callId),
    // This worker's connection, or one a sibling worker holds (it sends on it for us).
    holdsConnection: (source) =>
      source.node === config.nodeId &&
      !!source.connectionId &&
      (sip.connectionPeer(source.transport, source.connectionId) !== undefined || sip.heldByOtherWorker(source.connectionId)),
    log,
    metrics,
    ...(worker ? { otherWorkers: { callEnded: (call: CallEnd) => worker.peers.broadcast({ type: 'call-ended', ...call }) } } : {}),
  });
  activeCalls = () => router.activeCalls;
  sessions.endCallsWith(router.endWithoutBye);
  sip.invite(
    drain.refuseWhileDraining(
      overload.refuseWhileOverloaded(
        unavailableWhenStoreDown(
          async (incoming) => {
            // Another node's hand-over to a connection held here is relayed as it is; everything else is routed.
            if (!(await handover.receive(incoming))) await router.handleInvite(incoming);
          },
          outage,
          () => metrics.calls.inc({ outcome: 'unavailable' }),
        ),
        () => metrics.calls.inc({ outcome: 'overloaded' }),
      ),
      () => metrics.calls.inc({ outcome: 'draining' }),
    ),
  );
  sip.inDialog(unavailableWhenStoreDown(router.handleInDialog, outage));
  if (worker) await sip.listen();
  queueProbe?.start(() => sip.addresses.filter((a) => a.transport === 'UDP'));

  const sweeper = setInterval(() => {
    if (outage.down) return; // its commands would only hold up the pipeline requests wait in
    bindings.sweepExpired(Date.now()).then(
      (expired) => {
        for (const { sipId, binding, lastOfLine } of expired) {
          log.info({ event: 'registration.expired', sipId, contact: binding.uri, address: binding.source.address }, 'binding expired');
          if (lastOfLine) reportLineState(sipId, 'expired');
        }
      },
      () => undefined /* Redis away: the client logs it; try again next tick */,
    );
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  const api = singletons ? await startApi(config, redis, redisUrl, log, { storeOutage: outage, summary }, metrics) : undefined;
  const monitoring = await startMonitoring(config, { metrics, readiness, log, sip, bindings, guard, channels, overload, activeCalls }, !worker);

  // A worker's start is announced by the primary, once every worker listens.
  log.info(
    { event: worker ? 'worker.listening' : 'server.listening', node: config.nodeId, addresses: sip.addresses, domain: config.sip.domain },
    'softswitch listening',
  );
  return {
    sip,
    redis,
    metrics,
    readiness,
    peerNotice: (notice) => {
      if (notice.type === 'call-refreshed') liveness.seenElsewhere(notice);
      else if (notice.type === 'call-ended')
        void router
          .endedElsewhere(notice)
          .catch((err: unknown) => log.error({ event: 'worker.notice_failed', callId: notice.callId, err }, 'could not end a call another worker saw end'));
    },
    async drain() {
      await drain.run();
    },
    cutDrainShort: () => drain.cutShort(),
    async close() {
      closing = true;
      queueProbe?.stop();
      await monitoring?.close();
      clearInterval(sweeper);
      targetMonitor?.close();
      peerHosts.stop();
      webhook?.close();
      guard.stop();
      channels.stop();
      await sessions.close();
      await records?.stop();
      await api?.close();
      await sip.close();
      capture?.close();
      outage.close();
      provisioningWatch.close();
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

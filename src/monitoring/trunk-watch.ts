import type { Config } from '../config/schema.js';
import type { SipServer } from '../core/server/sip-server.js';
import type { TransportName } from '../core/transport/transport.js';
import { TrunkEvents, type LineChangeReason } from '../events/trunk-events.js';
import { WebhookSender } from '../events/webhook.js';
import type { OutboundRoute } from '../features/settings.js';
import type { Log } from '../log.js';
import type { Redis } from '../store/redis.js';
import type { LineStore } from '../store/line-store.js';
import type { RouteStore } from '../store/route-store.js';
import { TargetHealthStore } from '../store/target-health-store.js';
import { routeDestination } from '../routing/targets.js';
import { TargetMonitor } from './monitor.js';
import { OptionsPinger } from './options-pinger.js';
import { targetId } from './targets.js';

/** Trunk-state events for this node: logged, counted, and POSTed to `webhooks.url` when configured. */
export function createTrunkEvents(config: Config, log: Log): { events: TrunkEvents; webhook: WebhookSender | undefined } {
  const events = new TrunkEvents(log, config.nodeId);
  const { url, secret, timeout, queueSize, maxAttempts, retryBase, retryMax } = config.webhooks;
  if (!url) return { events, webhook: undefined };
  const webhook = new WebhookSender(
    { url, secret, timeoutMs: timeout * 1000, queueSize, maxAttempts, retryBaseMs: retryBase * 1000, retryMaxMs: retryMax * 1000 },
    log,
  );
  events.onEvent((event) => webhook.send(event));
  log.info({ event: 'webhook.enabled', url: new URL(url).origin, signed: secret !== undefined }, 'trunk-state events POSTed to a webhook');
  return { events, webhook };
}

/** The registrar's and the sweeper's line changes as trunk.state events. */
export function lineStateReporter(events: TrunkEvents): (sipId: string, change: LineChangeReason) => void {
  return (sipId, change) =>
    events.report(
      change === 'registered'
        ? { event: 'trunk.state', sipId, state: 'registered', previous: 'not registered', reason: change }
        : { event: 'trunk.state', sipId, state: 'not registered', previous: 'registered', reason: change },
    );
}

export interface Monitoring {
  /** Names of these routes whose target is down, for routing to skip. */
  downRoutes(routes: readonly OutboundRoute[]): Promise<ReadonlySet<string>>;
  close(): void;
}

/** OPTIONS monitoring of peers, IP trunks and route targets, when `monitoring.enabled`; undefined otherwise. */
export function startTargetMonitoring(deps: {
  config: Config;
  redis: Redis;
  sip: SipServer;
  sentBy(transport: TransportName): string;
  lines: LineStore;
  routes: RouteStore;
  events: TrunkEvents;
  log: Log;
  /** Send the OPTIONS pings (default). Off on all but one worker of a node: the others only read the states. */
  pinging?: boolean;
}): Monitoring | undefined {
  const { config, log } = deps;
  const settings = config.monitoring;
  if (!settings.enabled) return undefined;
  const health = new TargetHealthStore(deps.redis);
  const monitor = new TargetMonitor({
    settings: {
      intervalMs: settings.interval * 1000,
      downAfter: settings.downAfter,
      upAfter: settings.upAfter,
      scope: { peers: settings.peers, ipTrunks: settings.ipTrunks, routes: settings.routes },
    },
    nodeId: config.nodeId,
    provisioned: async () => {
      const [stored, ipLines] = await Promise.all([deps.routes.stored(), deps.lines.ipAuthenticated()]);
      return { peers: stored.peers, ipLines, routes: [...stored.outbound, ...stored.emergency, ...(stored.voicemail ? [stored.voicemail] : [])] };
    },
    health,
    pinger: new OptionsPinger({ sip: deps.sip, sentBy: (transport) => deps.sentBy(transport), domain: config.sip.domain, timeoutMs: settings.timeout * 1000 }),
    report: (change) => deps.events.report(change),
    log,
  });
  if (deps.pinging !== false) monitor.start();
  log.info({ event: 'monitor.enabled', interval: settings.interval, downAfter: settings.downAfter, upAfter: settings.upAfter }, 'OPTIONS monitoring on');
  return {
    async downRoutes(routes) {
      const ids = new Map<string, string>();
      for (const route of routes) {
        const destination = routeDestination(route);
        if (destination) ids.set(route.name, targetId(destination));
      }
      const states = await health.get([...new Set(ids.values())]);
      return new Set([...ids].filter(([, id]) => states.get(id)?.state === 'down').map(([name]) => name));
    },
    close: () => monitor.stop(),
  };
}

// A call router wired to fakes (not a test file itself): no sockets, no Redis.
// The proxy answers each offer from a script, the stores are maps, the clock is fixed.
import { RouteLocator } from '../../../src/routing/route-locator.js';
import { Writable } from 'node:stream';
import { Headers, SipRequest, SipResponse } from '../../../src/core/messages/index.js';
import { IncomingRequest } from '../../../src/core/server/incoming-request.js';
import type { ServerTransaction } from '../../../src/core/transactions/server-transaction.js';
import type { FeatureStore } from '../../../src/store/feature-store.js';
import { FeaturePipeline } from '../../../src/features/pipeline.js';
import {
  defaultFeatures,
  type EmergencyRoute,
  type HuntGroup,
  type NumberFeatures,
  type OutboundRoute,
  type VoicemailRoute,
} from '../../../src/features/settings.js';
import { AnonymousRejectionStage } from '../../../src/features/stages/anonymous-rejection.js';
import { ForwardingStage } from '../../../src/features/stages/forwarding.js';
import { HuntGroupStage } from '../../../src/features/stages/hunt-group.js';
import { InternationalBarStage } from '../../../src/features/stages/international-bar.js';
import { NuisanceBlockingStage } from '../../../src/features/stages/nuisance-blocking.js';
import { createLogger } from '../../../src/log.js';
import type { ProxyCore, RelayOptions, RelayOutcome, RelayTarget } from '../../../src/proxy/proxy-core.js';
import type { Binding } from '../../../src/registrar/binding.js';
import { CallChannels, type ChannelAccounting } from '../../../src/routing/call-channels.js';
import { CallRouter, type CallRouterDeps } from '../../../src/routing/call-router.js';
import type { CallerSources } from '../../../src/routing/caller.js';
import { DecisionLog } from '../../../src/routing/decision-log.js';
import type { AnnouncementSettings } from '../../../src/routing/announcements.js';
import type { LineRecord } from '../../../src/store/line-store.js';

export const DOMAIN = 'ss.test';
/** Friday 10:00 in Tokyo. */
export const NOW = Date.parse('2026-11-20T01:00:00Z');
/** Where our IP-trunk line `caller` sends from, and where the interconnect peer sends from. */
export const LINE_ADDRESS = '127.0.0.21';
export const PEER_ADDRESS = '127.0.0.31';

/** How a line answers an offer: 200, 486, rings past any ring time, nothing at all, 180 then a final status, or a final status. */
export type Behaviour = 'answer' | 'busy' | 'no-answer' | 'silent' | { ringsThen: number } | number;

export interface Offer {
  sipId: string;
  uri: string;
  ringTimeoutMs?: number;
  /** How long the proxy waits for a first response from this target. */
  noResponseTimeoutMs?: number;
  diversion: string[];
  pai?: string;
}

export interface World {
  router: CallRouter;
  /** number → features (ours). */
  features: Map<string, NumberFeatures>;
  /** The router's settings reads, in order, each the numbers it asked for together (one store round trip each). */
  settingsReads: string[][];
  /** Channel and binding reads in the order they were sent and answered. */
  storeOrder: string[];
  huntGroups: HuntGroup[];
  routes: OutboundRoute[];
  emergencyRoutes: EmergencyRoute[];
  /** The voice-mail platform, when set. */
  voicemail: { route: VoicemailRoute | null };
  /** The IP-authenticated line that calls with `invite(…, 'line')` (its number and channels may be changed). */
  callerLine: LineRecord;
  /** sipId → how it answers. */
  behaviour: Map<string, Behaviour>;
  /** sipIds with a live binding. */
  registered: Set<string>;
  /** Offers the proxy made, in order. */
  offers: Offer[];
  /** Legs holding a channel, per sipId (what the Redis channel set would hold). */
  legs: Map<string, Set<string>>;
  log: Array<Record<string, unknown>>;
  /** Adds a digest line owning `number`, registered, answering as told. */
  line(sipId: string, number: string, behaviour?: Behaviour, channels?: number): void;
  /** Sends an INVITE to `dialled` from the peer (terminating; `anonymous`: withheld) or our line `caller` (originating). */
  invite(dialled: string, from?: 'peer' | 'anonymous' | 'line'): Promise<Call>;
  /** A BYE inside call `callId`, from the peer's address. */
  bye(callId: string): Promise<void>;
  events(event: string, where?: (l: Record<string, unknown>) => boolean): Array<Record<string, unknown>>;
}

export interface Call {
  callId: string;
  /** Final answers the caller got from us (the router or a relayed one). */
  sent: SipResponse[];
}

/**
 * `downRoutes`: monitoring is on and these routes' targets are down (absent: monitoring off).
 * `announcements`: the config section; with a server, refusals go there (its behaviour is `behaviour.get('announcement')`).
 */
export function world(options: { downRoutes?: Set<string>; announcements?: AnnouncementSettings; otherWorkers?: CallRouterDeps['otherWorkers'] } = {}): World {
  const features = new Map<string, NumberFeatures>();
  const huntGroups: HuntGroup[] = [];
  const routes: OutboundRoute[] = [];
  const emergencyRoutes: EmergencyRoute[] = [];
  const voicemail: { route: VoicemailRoute | null } = { route: null };
  const behaviour = new Map<string, Behaviour>();
  const registered = new Set<string>();
  const offers: Offer[] = [];
  const legs = new Map<string, Set<string>>();
  const lines = new Map<string, LineRecord>();
  const log: Array<Record<string, unknown>> = [];
  let calls = 0;

  const callerLine: LineRecord = {
    sipId: 'caller',
    voiceGroupId: 'vg',
    siteId: '1234567',
    channels: 4,
    auth: 'ip',
    allowedAddresses: [LINE_ADDRESS],
    basicNumber: '0311110000',
    dialInNumbers: [],
  };

  const storeOrder: string[] = [];
  const store: ChannelAccounting = {
    async acquire(sipId, legId, channels) {
      storeOrder.push(`acquire ${sipId}`);
      await Promise.resolve(); // the reply comes later, as from Redis
      storeOrder.push(`acquired ${sipId}`);
      const held = legs.get(sipId) ?? new Set<string>();
      if (held.size >= channels) return false;
      legs.set(sipId, held.add(legId));
      return true;
    },
    async refresh() {},
    async release(sipId, legId) {
      legs.get(sipId)?.delete(legId);
    },
  };
  const channels = new CallChannels(store, { now: () => NOW });
  channels.stop();

  const huntGroupOf = (n: string) => huntGroups.find((g) => g.pilot === n || g.members.includes(n)) ?? null;
  /** Every settings read the router made, in order: the numbers each asked for together. */
  const settingsReads: string[][] = [];
  const featureStore: Pick<FeatureStore, 'huntGroupOf' | 'bulkGroupOf' | 'nextRoundRobinStart' | 'callSettings' | 'callParties'> = {
    callParties: async (requests) => {
      settingsReads.push(requests.map((r) => r.number));
      storeOrder.push('settings');
      await Promise.resolve(); // the reply comes later, as from Redis
      storeOrder.push('settings answered');
      return requests.map(({ number, groups }) => ({
        features: features.get(number) ?? null,
        groups: { hunt: groups === 'none' ? null : huntGroupOf(number), bulk: null },
      }));
    },
    callSettings: async (n) => {
      const [called] = await featureStore.callParties([{ number: n, groups: 'both' }]);
      return called?.features ? { features: called.features, groups: called.groups } : null;
    },
    huntGroupOf: async (n) => huntGroupOf(n),
    bulkGroupOf: async () => null,
    nextRoundRobinStart: async () => 0,
  };

  const proxy: Pick<ProxyCore, 'relay' | 'checkForwardable' | 'forwardInDialog'> = {
    checkForwardable: () => undefined,
    forwardInDialog: async () => ({ kind: 'failed', silent: true }) as never,
    async relay(incoming: IncomingRequest, targets: RelayTarget[], options: RelayOptions = {}): Promise<RelayOutcome> {
      let best: SipResponse | undefined;
      let silent = true;
      for (const target of targets) {
        const copy = new SipRequest('INVITE', target.uri, new Headers(incoming.message.headers.entries()));
        options.prepare?.(copy, target);
        const sipId = target.label.split(' ')[0] === 'route' ? target.label : target.label.split(' ')[0]!;
        offers.push({
          sipId,
          uri: target.uri,
          diversion: copy.headers.getAll('diversion'),
          ...(options.ringTimeoutMs !== undefined ? { ringTimeoutMs: options.ringTimeoutMs } : {}),
          ...(options.noResponseTimeoutMs !== undefined ? { noResponseTimeoutMs: options.noResponseTimeoutMs } : {}),
          ...(copy.headers.get('p-asserted-identity') ? { pai: copy.headers.get('p-asserted-identity')! } : {}),
        });
        const how = behaviour.get(sipId) ?? 'answer';
        if (how === 'answer') return { kind: 'answered', response: new SipResponse(200, 'OK'), target };
        if (how === 'silent') continue;
        silent = false;
        if (how === 'no-answer') {
          // Rings until our ring timer CANCELs it (487), or until the caller gives up.
          if (options.ringTimeoutMs === undefined) return { kind: 'cancelled', response: new SipResponse(487, 'Request Terminated') };
          return { kind: 'failed', response: new SipResponse(487, 'Request Terminated'), silent: false, ringTimeout: true, target };
        }
        if (typeof how === 'object') options.onProvisional?.(180, target);
        const status = how === 'busy' ? 486 : typeof how === 'object' ? how.ringsThen : how;
        best = new SipResponse(status, status === 603 ? 'Decline' : `Status ${status}`);
      }
      return { kind: 'failed', ...(best ? { response: best } : {}), silent, ringTimeout: false };
    },
  };

  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) log.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger('info', sink);
  const decisions = new DecisionLog(logger);
  const pipeline = new FeaturePipeline(
    [
      new NuisanceBlockingStage({ countRejection: async () => {} }),
      new AnonymousRejectionStage(),
      new InternationalBarStage(),
      new ForwardingStage({ timeZone: 'Asia/Tokyo', bulkGroupOf: featureStore.bulkGroupOf }),
      new HuntGroupStage({ groupOf: featureStore.huntGroupOf, nextStartIndex: featureStore.nextRoundRobinStart }),
    ],
    { onDecision: decisions.stage },
  );

  const callerSources = {
    lines: { byAddress: async (address: string) => (address === LINE_ADDRESS ? callerLine : null) },
    peerByAddress: async (address: string) => (address === PEER_ADDRESS ? { name: 'carrier', addresses: [PEER_ADDRESS] } : null),
    auth: {
      authenticate: async () => {
        throw new Error('no digest callers in these tests');
      },
    },
    log: logger,
  } as unknown as CallerSources;

  const router = new CallRouter({
    proxy,
    pipeline,
    decisions,
    channels,
    callerSources,
    features: featureStore,
    lineOfNumber: async (n) => [...lines.values()].find((l) => l.basicNumber === n || l.dialInNumbers.includes(n)) ?? null,
    bindings: {
      live: async (sipId) => {
        storeOrder.push(`bindings ${sipId}`);
        return registered.has(sipId) ? [binding(sipId)] : [];
      },
    },
    routes: {
      outboundRoutes: async () => routes,
      emergencyRoutes: async () => emergencyRoutes,
      voicemailRoute: async () => voicemail.route,
    },
    ...(options.downRoutes
      ? { downRoutes: async (candidates: readonly OutboundRoute[]) => new Set(candidates.filter((r) => options.downRoutes!.has(r.name)).map((r) => r.name)) }
      : {}),
    ...(options.announcements ? { announcements: options.announcements } : {}),
    // Targets in these tests are addresses: no DNS is asked.
    locator: new RouteLocator({ dns: { naptr: async () => [], srv: async () => [], addresses: async () => [] }, allowLoopback: true, log: logger }),
    failoverTimeoutMs: 2000,
    ...(options.otherWorkers ? { otherWorkers: options.otherWorkers } : {}),
    domain: DOMAIN,
    holdsConnection: () => true,
    log: logger,
    now: () => NOW,
  });

  return {
    router,
    features,
    settingsReads,
    storeOrder,
    huntGroups,
    routes,
    emergencyRoutes,
    voicemail,
    callerLine,
    behaviour,
    registered,
    offers,
    legs,
    log,
    line(sipId, number, how = 'answer', channelCount = 2) {
      lines.set(sipId, {
        sipId,
        voiceGroupId: 'vg',
        siteId: '1234567',
        channels: channelCount,
        auth: 'digest',
        allowedAddresses: [],
        basicNumber: number,
        dialInNumbers: [],
      });
      registered.add(sipId);
      behaviour.set(sipId, how);
      if (!features.has(number)) features.set(number, defaultFeatures(number));
    },
    async invite(dialled, from = 'peer') {
      const callId = `call-${++calls}`;
      const caller = from === 'line' ? callerLine.basicNumber : from === 'anonymous' ? 'anonymous' : '0612345678';
      const host = from === 'anonymous' ? 'anonymous.invalid' : DOMAIN;
      const message = new SipRequest(
        'INVITE',
        `sip:${dialled}@${DOMAIN}`,
        new Headers([
          ['Via', `SIP/2.0/UDP ${from === 'line' ? LINE_ADDRESS : PEER_ADDRESS}:5060;branch=z9hG4bK-${callId}`],
          ['Max-Forwards', '70'],
          ['From', `<sip:${caller}@${host}>;tag=t-${callId}`],
          ['To', `<sip:${dialled}@${DOMAIN}>`],
          ['Call-ID', callId],
          ['CSeq', '1 INVITE'],
        ]),
      );
      const sent: SipResponse[] = [];
      const transaction = {
        lastStatus: 100,
        respond(r: SipResponse) {
          this.lastStatus = r.status;
          sent.push(r);
        },
      };
      const source = {
        transport: 'UDP' as const,
        address: from === 'line' ? LINE_ADDRESS : PEER_ADDRESS,
        port: 5060,
        localAddress: '127.0.0.1',
        localPort: 5060,
      };
      await router.handleInvite(new IncomingRequest(message, source, transaction as unknown as ServerTransaction, []));
      return { callId, sent };
    },
    async bye(callId) {
      const message = new SipRequest(
        'BYE',
        `sip:caller@${LINE_ADDRESS}`,
        new Headers([
          ['Via', `SIP/2.0/UDP ${PEER_ADDRESS}:5060;branch=z9hG4bK-bye-${callId}`],
          ['Max-Forwards', '70'],
          ['From', `<sip:callee@${DOMAIN}>;tag=callee`],
          ['To', `<sip:caller@${DOMAIN}>;tag=t-${callId}`],
          ['Call-ID', callId],
          ['CSeq', '2 BYE'],
        ]),
      );
      const transaction = { lastStatus: 0, respond: (r: SipResponse) => void (transaction.lastStatus = r.status) };
      const source = { transport: 'UDP' as const, address: PEER_ADDRESS, port: 5060, localAddress: '127.0.0.1', localPort: 5060 };
      await router.handleInDialog(new IncomingRequest(message, source, transaction as unknown as ServerTransaction, []));
    },
    events(event, where = () => true) {
      return log.filter((l) => l.event === event && where(l));
    },
  };
}

function binding(sipId: string): Binding {
  return {
    key: `sip:${sipId}@127.0.0.50`,
    registeredAt: NOW,
    uri: `sip:${sipId}@127.0.0.50:5090`,
    expiresAt: NOW + 3600_000,
    callId: 'reg',
    cseq: 1,
    path: [],
    source: { transport: 'UDP', address: '127.0.0.50', port: 5090, node: 'node-a' },
  };
}

/** Forwarding settings for a number: enabled, slot 1 = `to`, with the given triggers. */
export function forwardingTo(
  number: string,
  to: string,
  triggers: Partial<Pick<NumberFeatures['forwarding'], 'unconditional' | 'busy' | 'noAnswer' | 'unreachable' | 'ringTime'>>,
): NumberFeatures {
  const f = defaultFeatures(number);
  return { ...f, forwarding: { ...f.forwarding, enabled: true, destinations: [to, null, null, null, null], active: 1, ...triggers } };
}

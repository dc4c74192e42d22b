import type { Config } from './config/schema.js';
import type { SipServer } from './core/server/sip-server.js';
import type { Log } from './log.js';
import type { ProxyCore } from './proxy/proxy-core.js';
import type { LocalIdentity } from './proxy/record-route.js';
import type { ProxySigner } from './proxy/signing.js';
import { CallLiveness, type CallLivenessDeps } from './routing/call-liveness.js';
import { NodeHandover } from './routing/node-handover.js';
import { NodeStore } from './store/node-store.js';
import type { Redis } from './store/redis.js';

/** How often a node announces itself; it counts as live for three times as long. */
const ANNOUNCE_EVERY_MS = 3_000;

export interface CallSessions {
  /** Answered calls kept alive or ended (config `calls`). */
  liveness: CallLiveness;
  /** Calls to connections another node holds, both ways. */
  handover: NodeHandover;
  /** What ending a call without a BYE does (the router's endWithoutBye), set once the router exists. */
  endCallsWith(end: (callId: string, reason: string) => Promise<void>): void;
  close(): Promise<void>;
}

/**
 * What keeps calls whole beyond one request: the liveness watch of answered
 * calls (session timers, probes, maximum duration) and the hand-over of calls
 * between nodes, with this node announced in the node list while it runs.
 */
export function startCallSessions(
  config: Config,
  deps: { redis: Redis; sip: SipServer; identity: LocalIdentity; signer: ProxySigner; proxy: ProxyCore; log: Log } & Pick<CallLivenessDeps, 'otherWorkers'>,
): CallSessions {
  const { redis, sip, identity, signer, proxy, log, otherWorkers } = deps;
  const nodes = new NodeStore(redis);
  const presence = announceNode(nodes, config.nodeId, identity, log);
  const handover = new NodeHandover({ nodes, identity, signer, proxy, sip, log });
  let end = (_callId: string, _reason: string): Promise<void> => Promise.resolve();
  const liveness = new CallLiveness({
    settings: {
      probeIntervalMs: config.calls.probeInterval * 1000,
      probeFailures: config.calls.probeFailures,
      maxDurationMs: config.calls.maxDuration * 1000,
    },
    identity,
    send: (request, branch, destination, user) => sip.startClientTransaction(request, branch, destination, user),
    onEnd: (callId, reason) => void end(callId, reason),
    log,
    ...(otherWorkers ? { otherWorkers } : {}),
  });
  proxy.watchSessions(liveness.answer, { seconds: config.calls.sessionExpires, minSeconds: config.calls.minSessionExpires });
  return {
    liveness,
    handover,
    endCallsWith(fn) {
      end = fn;
    },
    async close() {
      liveness.stop();
      await presence.stop();
    },
  };
}

/**
 * This node in the node list (NodeStore): its id and the UDP address other
 * nodes send it calls for the connections it holds, announced until it stops.
 */
function announceNode(nodes: NodeStore, nodeId: string, identity: Pick<LocalIdentity, 'sentBy'>, log: Log): { stop(): Promise<void> } {
  const sentBy = /^\[?([^\]]+?)\]?:(\d+)$/.exec(identity.sentBy('UDP'));
  if (!sentBy) return { stop: async () => undefined };
  const announce = (): void => {
    const record = { id: nodeId, host: sentBy[1]!, port: Number(sentBy[2]), liveUntil: Date.now() + 3 * ANNOUNCE_EVERY_MS };
    nodes.announce(record).catch((err: unknown) => log.debug({ event: 'node.announce_failed', err }, 'node not announced'));
  };
  announce();
  const timer = setInterval(announce, ANNOUNCE_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await nodes.leave(nodeId).catch(() => undefined);
    },
  };
}

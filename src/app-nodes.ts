import type { Log } from './log.js';
import type { LocalIdentity } from './proxy/record-route.js';
import type { NodeStore } from './store/node-store.js';

/** How often a node announces itself; it counts as live for three times as long. */
const ANNOUNCE_EVERY_MS = 3_000;

/**
 * This node in the node list (NodeStore): its id and the UDP address other
 * nodes send it calls for the connections it holds, announced until it stops.
 */
export function announceNode(nodes: NodeStore, nodeId: string, identity: Pick<LocalIdentity, 'sentBy'>, log: Log): { stop(): Promise<void> } {
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

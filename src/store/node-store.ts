import type { Redis } from 'ioredis';
import { z } from 'zod';
import { keys } from './keys.js';
import { parseStored } from './schemas.js';

/** Where another node takes SIP requests from the nodes (its advertised UDP address), and until when it is live. */
export interface NodeRecord {
  id: string;
  host: string;
  port: number;
  /** ms since the epoch: past it, the node stopped announcing itself (it died). */
  liveUntil: number;
}

const nodeSchema = z.object({ id: z.string(), host: z.string(), port: z.number().int(), liveUntil: z.number() });

/**
 * The nodes sharing this Redis (`nodes`: id -> NodeRecord JSON). Each node
 * announces itself every few seconds and leaves when it stops, so a node can
 * reach a client whose connection another node holds, through that node, and
 * tell a live node from a dead one.
 */
export class NodeStore {
  constructor(private readonly redis: Redis) {}

  async announce(node: NodeRecord): Promise<void> {
    await this.redis.hset(keys.nodes, node.id, JSON.stringify(node));
  }

  async leave(id: string): Promise<void> {
    await this.redis.hdel(keys.nodes, id);
  }

  /** A node that announced itself lately; null when it never did or stopped. */
  async live(id: string, now: number): Promise<NodeRecord | null> {
    const node = parseStored(nodeSchema, await this.redis.hget(keys.nodes, id), `node ${id}`);
    return node && node.liveUntil > now ? node : null;
  }

  /** The live node, if any, whose SIP address this is. */
  async liveAt(host: string, port: number, now: number): Promise<NodeRecord | null> {
    const all = await this.redis.hgetall(keys.nodes);
    for (const [id, json] of Object.entries(all)) {
      const node = parseStored(nodeSchema, json, `node ${id}`);
      if (node && node.liveUntil > now && node.port === port && bare(node.host) === bare(host)) return node;
    }
    return null;
  }
}

function bare(host: string): string {
  return host.replace(/^\[|\]$/g, '').toLowerCase();
}

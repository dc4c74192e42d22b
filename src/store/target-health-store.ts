import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { TargetHealth } from '../monitoring/health.js';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import { parseStored } from './schemas.js';

/**
 * Health of the targets watched with OPTIONS, shared by every node:
 * `mon:health` (target id -> TargetHealth JSON) and one lease per target
 * (`mon:lease:{id}`), so that one node pings each target per interval.
 */
const healthSchema = z.object({
  state: z.enum(['up', 'down']),
  failures: z.number(),
  successes: z.number(),
  since: z.number(),
  lastAt: z.number(),
  lastStatus: z.number().optional(),
  lastError: z.string().optional(),
});

/** How many times a health update is re-read and retried when another node wrote in between. */
const MAX_CAS_ATTEMPTS = 5;

interface HealthCommands {
  ssHashFieldCas(hash: string, field: string, expected: string, value: string): Promise<number>;
}

export class TargetHealthStore {
  private readonly commands: HealthCommands;

  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssHashFieldCas', 'hash-field-cas', 1);
    this.commands = redis as unknown as HealthCommands;
  }

  /** Whether this node may ping the target this round: true for the one node whose SET NX wins. */
  async lease(id: string, nodeId: string, ms: number): Promise<boolean> {
    return (await this.redis.set(keys.targetLease(id), nodeId, 'PX', Math.max(1, Math.round(ms)), 'NX')) === 'OK';
  }

  /** The stored health of these targets (null: never pinged, or damaged). */
  async get(ids: readonly string[]): Promise<Map<string, TargetHealth | null>> {
    const out = new Map<string, TargetHealth | null>();
    if (ids.length === 0) return out;
    const values = await this.redis.hmget(keys.targetHealth, ...ids);
    ids.forEach((id, i) => out.set(id, parseStored(healthSchema, values[i], 'target health')));
    return out;
  }

  async all(): Promise<Map<string, TargetHealth>> {
    const raw = await this.redis.hgetall(keys.targetHealth);
    const out = new Map<string, TargetHealth>();
    for (const [id, json] of Object.entries(raw)) {
      const health = parseStored(healthSchema, json, 'target health');
      if (health) out.set(id, health);
    }
    return out;
  }

  /**
   * Applies `next` to the stored health with a compare-and-set, re-reading on a conflict.
   * Returns the health before and after, or null when it kept changing under us.
   */
  async update(id: string, next: (previous: TargetHealth | null) => TargetHealth): Promise<{ before: TargetHealth | null; after: TargetHealth } | null> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = await this.redis.hget(keys.targetHealth, id);
      const before = parseStored(healthSchema, raw, 'target health');
      const after = next(before);
      if ((await this.commands.ssHashFieldCas(keys.targetHealth, id, raw ?? '', JSON.stringify(after))) === 1) return { before, after };
    }
    return null;
  }

  /** Forgets targets that are no longer provisioned. */
  async prune(keep: ReadonlySet<string>): Promise<void> {
    const stale = (await this.redis.hkeys(keys.targetHealth)).filter((id) => !keep.has(id));
    if (stale.length > 0) await this.redis.hdel(keys.targetHealth, ...stale);
  }
}

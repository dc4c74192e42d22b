import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { featuresPart } from './apply-features.js';
import { bulkGroupsPart, huntGroupsPart } from './apply-groups.js';
import { linesPart, removedNumbers } from './apply-lines.js';
import { routingPart } from './apply-routing.js';
import { emptyResult, ROUNDS, type Part, type ProvisioningResult, type Shared } from './part.js';
import { plan } from './plan.js';
import { parseProvisioning, ProvisioningError, provisioningOptions } from './schema.js';
import { Snapshot } from './snapshot.js';

export { ProvisioningError } from './schema.js';
export type { KindCounts, KindCountsRemoved, ProvisioningResult } from './part.js';
export { plan } from './plan.js';

const PARTS: Part[] = [linesPart, huntGroupsPart, bulkGroupsPart, featuresPart, routingPart];

/** Read a provisioning file; YAML or JSON (by extension, else YAML, which also reads JSON). */
export function loadProvisioningFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ProvisioningError([`cannot read ${path}: ${(err as Error).message}`]);
  }
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ProvisioningError([`cannot parse ${path}: ${(err as Error).message.split('\n')[0]}`]);
  }
}

/**
 * Apply a provisioning file to Redis: validate everything (the file, then the
 * file against what Redis holds), then write every change in one MULTI/EXEC
 * under WATCH, so nothing is ever half-applied. Upsert: entities in the file
 * are created or updated, others are left alone (routing sections the file
 * gives replace the stored ones whole); re-applying a file is a no-op.
 */
export async function applyProvisioning(redis: Redis, config: Config, fileContents: unknown, log?: Log): Promise<ProvisioningResult> {
  const desired = plan(parseProvisioning(fileContents, provisioningOptions(config)), config.sip.realm);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const snap = new Snapshot(redis);
    const shared: Shared = { removedNumbers: new Map() };
    try {
      for (let round = 0; round < ROUNDS; round++) {
        await snap.load(PARTS.flatMap((p) => p.reads(round, desired, snap, shared)));
        if (round === 1) shared.removedNumbers = removedNumbers(desired, snap);
      }
    } catch (err) {
      await redis.unwatch().catch(() => {});
      throw err;
    }
    const issues = PARTS.flatMap((p) => p.conflicts(desired, snap, shared));
    if (issues.length > 0) {
      await redis.unwatch();
      throw new ProvisioningError(issues);
    }
    const result = emptyResult();
    const tx = redis.multi(); // queued client-side until exec()
    const queuedBefore = tx.length;
    for (const p of PARTS) p.remove(tx, desired, snap, shared, result);
    for (const p of PARTS) p.write(tx, desired, snap, shared, result);
    if (tx.length === queuedBefore) {
      await redis.unwatch();
      log?.info({ event: 'provisioning.applied', ...flatCounts(result) }, 'provisioning: nothing to change');
      return result;
    }
    const replies = await tx.exec();
    if (replies === null) continue; // a watched key changed under us: read again
    const failed = replies.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
    log?.info({ event: 'provisioning.applied', ...flatCounts(result) }, 'provisioning applied');
    return result;
  }
  throw new Error('provisioning: the data kept changing concurrently; try again');
}

function flatCounts(r: ProvisioningResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [kind, c] of Object.entries(r)) for (const [k, v] of Object.entries(c as Record<string, number>)) out[`${kind}.${k}`] = v;
  return out;
}

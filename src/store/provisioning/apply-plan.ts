import type { Redis } from 'ioredis';
import type { Log } from '../../log.js';
import type { Desired } from '../../provisioning/plan.js';
import { ProvisioningError } from '../../provisioning/schema.js';
import { featuresPart } from './apply-features.js';
import { bulkGroupsPart, huntGroupsPart } from './apply-groups.js';
import { linesPart, removedNumbers } from './apply-lines.js';
import { optionsPart } from './apply-options.js';
import { routingPart } from './apply-routing.js';
import { emptyResult, ROUNDS, type Part, type ProvisioningResult, type Shared } from './part.js';
import { Snapshot } from './snapshot.js';
import { announceProvisioningChange } from '../provisioning-changes.js';

// Options after features: a gained option's defaults fill only fields the file does not set.
const PARTS: Part[] = [linesPart, huntGroupsPart, bulkGroupsPart, featuresPart, optionsPart, routingPart];

/**
 * Writes a validated plan: reads (and WATCHes) what Redis holds, checks the
 * plan against it (a conflict throws ProvisioningError before anything is
 * written), then writes every change in one MULTI/EXEC, read again when a
 * watched key changed meanwhile. Every provisioned key carries the `{prov}`
 * hash tag, so on a Redis Cluster the transaction is on one slot.
 */
export async function applyPlan(redis: Redis, desired: Desired, log?: Log, now: () => number = Date.now): Promise<ProvisioningResult> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const snap = new Snapshot(redis);
    const shared: Shared = { removedNumbers: new Map(), now: now() };
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
    // Every node drops its copies of provisioned data when this commits (not before, not without it).
    announceProvisioningChange(tx, redis);
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
  for (const [kind, c] of Object.entries(r) as Array<[string, Record<string, number>]>) for (const [k, v] of Object.entries(c)) out[`${kind}.${k}`] = v;
  return out;
}

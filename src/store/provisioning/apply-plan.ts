import { randomBytes } from 'node:crypto';
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
import { Snapshot, TooManyToWatch } from './snapshot.js';
import { announceProvisioningChange } from '../provisioning-changes.js';
import { ManagementLock } from '../management-lock.js';

// Options after features: a gained option's defaults fill only fields the file does not set.
const PARTS: Part[] = [linesPart, huntGroupsPart, bulkGroupsPart, featuresPart, optionsPart, routingPart];

/**
 * Writes a validated plan: reads (and WATCHes) what Redis holds, checks the
 * plan against it (a conflict throws ProvisioningError before anything is
 * written), then writes every change in one MULTI/EXEC, read again when a
 * watched key changed meanwhile (a run too large to watch holds the
 * management lock instead, as API writes do). Every provisioned key carries the `{prov}`
 * hash tag, so on a Redis Cluster the transaction is on one slot.
 */
export interface ApplyOptions {
  /** The caller holds the management lock (API writes): no other management write can interleave. */
  managementLockHeld?: boolean;
  /** Keys a run WATCHes at most; a larger run reads unwatched under the management lock. */
  watchLimit?: number;
}

/** Redis checks each WATCHed key against all the connection watches: beyond this many, the lock is cheaper. */
const WATCH_LIMIT = 5_000;
/** A large run holds the lock at most this long (it only bounds a crashed run). */
const LARGE_RUN_LOCK_MS = 10 * 60_000;
const LOCK_WAIT_MS = 30_000;

export async function applyPlan(
  redis: Redis,
  desired: Desired,
  log?: Log,
  now: () => number = Date.now,
  options: ApplyOptions = {},
): Promise<ProvisioningResult> {
  try {
    return await applyOnce(redis, desired, log, now, options.watchLimit ?? WATCH_LIMIT);
  } catch (err) {
    if (!(err instanceof TooManyToWatch)) throw err;
  }
  if (options.managementLockHeld === true) return applyOnce(redis, desired, log, now, undefined);
  // Too large to watch: hold the lock every management write takes, and read without WATCH.
  const lock = new ManagementLock(redis);
  const token = randomBytes(12).toString('hex');
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!(await lock.take(token, LARGE_RUN_LOCK_MS))) {
    if (Date.now() > deadline) throw new Error('provisioning: another management change is being applied; try again');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await applyOnce(redis, desired, log, now, undefined);
  } finally {
    await lock.release(token).catch(() => undefined);
  }
}

/** `watchLimit` undefined: the management lock is held and nothing is watched. */
async function applyOnce(redis: Redis, desired: Desired, log: Log | undefined, now: () => number, watchLimit: number | undefined): Promise<ProvisioningResult> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const snap = new Snapshot(redis, watchLimit);
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

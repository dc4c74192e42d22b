import type { Redis } from 'ioredis';
import { FeatureStore } from '../../store/feature-store.js';
import { BULK_SLOT } from '../../features/forwarding.js';
import type { BulkState } from '../../features/settings.js';
import { OrganisationStore } from '../../store/organisation-store.js';
import { notFound } from '../errors.js';
import { bulkView, type BulkGroupView } from './organisation-views.js';
import { stateConflict } from './provisioning-change.js';
import type { BulkOperation } from '../../store/schemas.js';

/**
 * Bulk forwarding start/stop (docs/product.md §4.4) as the state machine
 * stopped -> starting -> started -> stopping -> stopped, in one request for
 * up to 1,000 numbers. The call router reads the group's state on every call
 * (FeatureStore.bulkGroupOf), so `started` takes effect on the next call on
 * every node. Transitions are compare-and-set (WATCH/MULTI) on `bulk:{id}`,
 * so two administrators cannot both start (or stop) the same group.
 *
 * The start freezes each member's slot-5 destination (while `starting`, which
 * no call consults), so a slot-5 change made while the group runs takes
 * effect when it stops, like the member's other forwarding changes.
 */

export interface MemberResult {
  number: string;
  result: 'done' | 'error';
  why?: string;
}

export const NO_SLOT_5 = `no bulk forwarding destination in slot ${BULK_SLOT}`;

/** Pure: a member without a slot-5 destination keeps its normal behaviour and is reported as an error. */
export function startResults(members: readonly string[], slot5: ReadonlyMap<string, string | undefined>): MemberResult[] {
  return members.map((number) => (slot5.get(number) ? { number, result: 'done' } : { number, result: 'error', why: NO_SLOT_5 }));
}

/** Each member's slot-5 destination (undefined when empty), in one pipeline. */
async function slot5Destinations(r: Redis, members: readonly string[]): Promise<Map<string, string | undefined>> {
  const forwarding = await new FeatureStore(r).forwardingOf(members);
  const out = new Map<string, string | undefined>();
  for (const n of members) {
    const d = forwarding.get(n)?.destinations[BULK_SLOT - 1];
    out.set(n, typeof d === 'string' && d.trim() !== '' ? d : undefined);
  }
  return out;
}

const VERB: Partial<Record<BulkState, string>> = { stopped: 'started', started: 'stopped' };

/** Who runs an operation, and when (for its record). */
export interface OperationBy {
  account: string;
  now: () => number;
}

/**
 * Moves the group from `from` to `to` if nobody else moved it first, writing
 * `operation` (the group's latest start/stop record) in the same transaction.
 * `check` runs on the current representation (If-Match) before anything is written.
 */
async function transition(
  r: Redis,
  id: string,
  from: BulkState,
  to: BulkState,
  operation: BulkOperation,
  check?: (g: BulkGroupView) => void,
): Promise<BulkGroupView> {
  const groups = new OrganisationStore(r);
  for (let attempt = 0; attempt < 5; attempt++) {
    const written = await groups.compareAndSetBulkGroup(
      id,
      (stored) => {
        if (!stored) throw notFound('bulk group');
        if (stored.state !== from) throw stateConflict(`bulk group ${id} is ${stored.state}; only a ${from} group can be ${VERB[from] ?? 'changed'}`);
        check?.(bulkView(stored));
        return bulkView({ ...stored, state: to });
      },
      operation,
    );
    if (written) return bulkView(written);
  }
  throw stateConflict(`bulk group ${id} kept changing; try again`);
}

/**
 * One start or stop: "in progress" (the group starting/stopping) is recorded
 * with the first transition, "done" with each number's result with the last;
 * a failure in between puts the group back and records "failed".
 */
async function operate(
  r: Redis,
  id: string,
  operation: 'start' | 'stop',
  by: OperationBy,
  check: ((g: BulkGroupView) => void) | undefined,
  results: (members: string[]) => Promise<MemberResult[]>,
): Promise<{ group: BulkGroupView; results: MemberResult[] }> {
  const [from, during, to]: BulkState[] = operation === 'start' ? ['stopped', 'starting', 'started'] : ['started', 'stopping', 'stopped'];
  const record: BulkOperation = { operation, status: 'in progress', account: by.account, startedAt: by.now(), results: [] };
  const running = await transition(r, id, from!, during!, record, check);
  try {
    const done = await results(running.members);
    return { group: await transition(r, id, during!, to!, { ...record, status: 'done', finishedAt: by.now(), results: done }), results: done };
  } catch (err) {
    await transition(r, id, during!, from!, { ...record, status: 'failed', finishedAt: by.now() }).catch(() => {}); // leave it as it was
    throw err;
  }
}

export function startBulk(
  r: Redis,
  id: string,
  by: OperationBy,
  check?: (g: BulkGroupView) => void,
): Promise<{ group: BulkGroupView; results: MemberResult[] }> {
  return operate(r, id, 'start', by, check, async (members) => {
    // Slot 5 as it is now is what members forward to until the stop (docs/product.md §4.4).
    const slot5 = await slot5Destinations(r, members);
    await new OrganisationStore(r).freezeBulkDestinations(id, slot5);
    return startResults(members, slot5);
  });
}

export async function stopBulk(
  r: Redis,
  id: string,
  by: OperationBy,
  check?: (g: BulkGroupView) => void,
): Promise<{ group: BulkGroupView; results: MemberResult[] }> {
  // Every member is back to its own forwarding settings (including changes made meanwhile).
  const stopped = await operate(r, id, 'stop', by, check, async (members) => members.map((number) => ({ number, result: 'done' })));
  await new OrganisationStore(r).clearBulkDestinations(id).catch(() => {}); // unused once stopped; the next start replaces it
  return stopped;
}

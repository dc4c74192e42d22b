import type { Desired } from '../../provisioning/plan.js';
import { BULK_SLOT } from '../../features/forwarding.js';
import { BLOCKED_ADDED_FIELD, blockedAddedTimes, decodeAddedTimes, decodeList } from '../feature-store.js';
import { keys } from '../keys.js';
import type { Part } from './part.js';
import type { Read, Snapshot } from './snapshot.js';

/**
 * Feature settings per number (`feat:{number}`): fields the file gives are
 * set (null clears), others are left as stored. The settings of a number that
 * leaves its line go with it.
 *
 * Checked against what is stored (docs/product.md §4.4): slot 5 is reserved
 * for the members of a bulk group (after this file: the file's groups, else
 * the stored one), so neither a member's pattern may use it nor may a number
 * whose stored forwarding uses it join a group; toll-free destinations need
 * the number's `tollFreeForwarding` (the file's, else the stored one).
 */
export const featuresPart: Part = {
  reads(round, d, _snap, shared) {
    const r: Read[] = [];
    if (round === 0) {
      for (const n of d.features.keys()) {
        r.push({ op: 'hgetall', key: keys.features(n) }, { op: 'hgetall', key: keys.number(n) }, { op: 'get', key: keys.bulkGroupOf(n) });
      }
      for (const g of d.bulkGroups.values()) {
        for (const m of g.numbers) r.push({ op: 'hgetall', key: keys.features(m.number) }, { op: 'get', key: keys.bulkGroupOf(m.number) });
      }
    } else if (round === 2) {
      for (const n of shared.removedNumbers.keys()) r.push({ op: 'hgetall', key: keys.features(n) });
    }
    return r;
  },

  conflicts(d, snap, shared) {
    const issues: string[] = [];
    for (const [n, f] of d.features) {
      const inFile = d.numbers.get(n);
      const stored = snap.hash(keys.number(n));
      if (!inFile && (!stored.sipId || shared.removedNumbers.has(n))) {
        issues.push(`${f.path}: number ${n} is not provisioned (no line has it)`);
        continue;
      }
      const kind = inFile?.kind ?? stored.kind;
      if (f.outgoingRestriction && kind !== 'basic') issues.push(`${f.path}.outgoingRestriction: only for basic numbers`);
      const group = bulkGroupAfter(d, snap, n);
      if (group !== null)
        for (const p of f.slot5Paths) issues.push(`${p}: slot ${BULK_SLOT} is reserved for bulk forwarding (number ${n} is in bulk group ${group})`);
      if (!(f.tollFreeForwarding ?? storedFlag(snap, n, 'tollFreeForwarding'))) issues.push(...f.tollFreeIssues);
    }
    // A number joining a bulk group must not forward from slot 5 (its own forwarding in the file was checked above).
    for (const g of d.bulkGroups.values()) {
      for (const m of g.numbers) {
        if (snap.str(keys.bulkGroupOf(m.number)) === g.group.id || d.features.get(m.number)?.fields.has('forwarding')) continue;
        if (usesBulkSlot(snap.hash(keys.features(m.number)).forwarding)) {
          issues.push(`${m.path}: number ${m.number} forwards from slot ${BULK_SLOT}, which bulk forwarding reserves; choose another active slot first`);
        }
      }
    }
    return issues;
  },

  remove(tx, _d, snap, shared, result) {
    for (const n of shared.removedNumbers.keys()) {
      if (Object.keys(snap.hash(keys.features(n))).length === 0) continue;
      tx.del(keys.features(n));
      result.features.removed++;
    }
  },

  write(tx, d, snap, shared, result) {
    for (const [n, f] of d.features) {
      const have = snap.hash(keys.features(n));
      const set: Record<string, string> = {};
      const clear: string[] = [];
      for (const [name, value] of f.fields) {
        if (value === null) {
          if (have[name] !== undefined) clear.push(name);
        } else if (have[name] !== value) {
          set[name] = value;
        }
      }
      stampBlockList(have, set, clear, shared.now);
      if (Object.keys(set).length > 0) tx.hset(keys.features(n), set);
      if (clear.length > 0) tx.hdel(keys.features(n), ...clear);
      const changed = Object.keys(set).length > 0 || clear.length > 0;
      // A number whose entry sets nothing (all defaults, nothing stored) counts as unchanged.
      if (Object.keys(have).length === 0 && changed) result.features.created++;
      else if (changed) result.features.updated++;
      else result.features.unchanged++;
    }
  },
};

/** The bulk group the number is in once the file is applied: the file's groups decide for themselves, else the stored one. */
function bulkGroupAfter(d: Desired, snap: Snapshot, number: string): string | null {
  for (const g of d.bulkGroups.values()) if (g.group.members.includes(number)) return g.group.id;
  const stored = snap.str(keys.bulkGroupOf(number));
  return stored !== null && !d.bulkGroups.has(stored) ? stored : null;
}

function storedFlag(snap: Snapshot, number: string, name: string): boolean {
  return snap.hash(keys.features(number))[name] === 'true';
}

/** Whether stored forwarding JSON makes slot 5 active (base pattern or a schedule entry). */
function usesBulkSlot(json: string | undefined): boolean {
  if (json === undefined) return false;
  try {
    const f = JSON.parse(json) as { active?: unknown; schedule?: Array<{ pattern?: { active?: unknown } }> };
    return f.active === BULK_SLOT || (Array.isArray(f.schedule) && f.schedule.some((e) => e.pattern?.active === BULK_SLOT));
  } catch {
    return false;
  }
}

/**
 * When the block list is written, the time each entry was added goes with it
 * (docs/product.md §4.1): entries already listed keep their time (or none, if
 * they were stored before times were kept), new entries get this apply's time.
 */
function stampBlockList(have: Record<string, string>, set: Record<string, string>, clear: string[], now: number): void {
  if (clear.includes('blockedCallers')) {
    if (have[BLOCKED_ADDED_FIELD] !== undefined) clear.push(BLOCKED_ADDED_FIELD);
    return;
  }
  const list = set.blockedCallers;
  if (list === undefined) return;
  const times = blockedAddedTimes(decodeList(have.blockedCallers), decodeAddedTimes(have[BLOCKED_ADDED_FIELD]), decodeList(list), now);
  set[BLOCKED_ADDED_FIELD] = JSON.stringify(times);
}

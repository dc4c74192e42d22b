import { BLOCKED_ADDED_FIELD, blockedAddedTimes, decodeAddedTimes, decodeList } from '../feature-store.js';
import { keys } from '../keys.js';
import type { Part } from './part.js';
import type { Read } from './snapshot.js';

/**
 * Feature settings per number (`feat:{number}`): fields the file gives are
 * set (null clears), others are left as stored. The settings of a number that
 * leaves its line go with it.
 */
export const featuresPart: Part = {
  reads(round, d, _snap, shared) {
    const r: Read[] = [];
    if (round === 0) {
      for (const n of d.features.keys()) r.push({ op: 'hgetall', key: keys.features(n) }, { op: 'hgetall', key: keys.number(n) });
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

import { newlySubscribed, subscribedDefaults, subscriptionsOf, type OptionName } from '../../features/options.js';
import type { Desired } from '../../provisioning/plan.js';
import { encodeFeature, featuresFromHash, FEATURE_FIELDS } from '../feature-store.js';
import { keys } from '../keys.js';
import { lineFromHash } from '../line-store.js';
import { parseOptionList } from '../subscription-store.js';
import type { Part, Tx } from './part.js';
import type { Read, Snapshot } from './snapshot.js';

/**
 * Option subscriptions (`opts:num:{n}`, `opts:site:{id}`; docs/product.md §4.6).
 * A number that gains an option through this run (its own record, its site's,
 * or a new number of a recorded site) gets that option's default settings
 * (anonymous rejection: reject), except for fields the file sets for it.
 */

/** The site a number is (or will be) in: the file's line first, else the stored one. */
function siteOfNumber(d: Desired, snap: Snapshot, n: string): string | undefined {
  const sipId = d.numbers.get(n)?.sipId ?? snap.hash(keys.number(n)).sipId;
  if (!sipId) return undefined;
  return d.lines.get(sipId)?.siteId ?? snap.hash(keys.line(sipId)).siteId;
}

/** Every number whose subscriptions this run may change, with its site. */
function affected(d: Desired, snap: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  const add = (n: string) => {
    const site = siteOfNumber(d, snap, n);
    if (site !== undefined) out.set(n, site);
  };
  for (const n of d.options.numbers.keys()) add(n);
  for (const siteId of d.options.sites.keys()) {
    const sipIds = new Set([...snap.set(keys.siteLines(siteId)), ...[...d.lines.values()].filter((l) => l.siteId === siteId).map((l) => l.sipId)]);
    for (const sipId of sipIds) {
      const line = d.lines.get(sipId) ?? lineFromHash(snap.hash(keys.line(sipId)));
      if (line?.siteId !== siteId) continue;
      for (const n of [line.basicNumber, ...line.dialInNumbers]) if (n) add(n);
    }
  }
  // New numbers start with their site's options in their default state.
  for (const n of d.numbers.keys()) if (!snap.hash(keys.number(n)).sipId) add(n);
  return out;
}

const isNewNumber = (snap: Snapshot, n: string) => !snap.hash(keys.number(n)).sipId;

export const optionsPart: Part = {
  reads(round, d, snap, shared) {
    const r: Read[] = [];
    if (round === 0) {
      for (const n of d.options.numbers.keys()) r.push({ op: 'hgetall', key: keys.number(n) });
      for (const id of d.options.sites.keys()) r.push({ op: 'hgetall', key: keys.site(id) }, { op: 'smembers', key: keys.siteLines(id) });
    } else if (round === 1) {
      const sipIds = new Set<string>();
      for (const n of d.options.numbers.keys()) {
        const sipId = snap.hash(keys.number(n)).sipId;
        if (sipId) sipIds.add(sipId);
      }
      for (const id of d.options.sites.keys()) for (const sipId of snap.set(keys.siteLines(id))) sipIds.add(sipId);
      for (const sipId of sipIds) r.push({ op: 'hgetall', key: keys.line(sipId) });
    } else if (round === 2) {
      for (const [n, siteId] of affected(d, snap)) {
        r.push({ op: 'get', key: keys.numberOptions(n) }, { op: 'get', key: keys.siteOptions(siteId) }, { op: 'hgetall', key: keys.features(n) });
      }
      for (const n of shared.removedNumbers.keys()) r.push({ op: 'get', key: keys.numberOptions(n) });
    }
    return r;
  },

  conflicts(d, snap, shared) {
    const issues: string[] = [];
    for (const [n, o] of d.options.numbers) {
      const stored = snap.hash(keys.number(n)).sipId;
      if (!d.numbers.has(n) && (!stored || shared.removedNumbers.has(n))) issues.push(`${o.path}: number ${n} is not provisioned (no line has it)`);
    }
    for (const [id, o] of d.options.sites) {
      if (!d.sites.has(id) && !snap.hash(keys.site(id)).id) issues.push(`${o.path}: site ${id} is not provisioned`);
    }
    return issues;
  },

  remove(tx, _d, snap, shared) {
    for (const n of shared.removedNumbers.keys()) if (snap.str(keys.numberOptions(n)) !== null) tx.del(keys.numberOptions(n));
  },

  write(tx, d, snap, _shared, result) {
    for (const [n, siteId] of affected(d, snap)) {
      const oldN = parseOptionList(snap.str(keys.numberOptions(n)), 'number options');
      const oldS = parseOptionList(snap.str(keys.siteOptions(siteId)), 'site options');
      const newN = d.options.numbers.has(n) ? d.options.numbers.get(n)!.list : oldN;
      const newS = d.options.sites.has(siteId) ? d.options.sites.get(siteId)!.list : oldS;
      const before = isNewNumber(snap, n) ? null : subscriptionsOf(oldN, oldS);
      const gained = newlySubscribed(before, subscriptionsOf(newN, newS));
      if (gained.length) writeDefaults(tx, d, snap, n, gained);
    }
    const record = (key: string, want: OptionName[] | null) => {
      const have = snap.str(key);
      const json = want === null ? null : JSON.stringify(want);
      if (json === have) return void result.options.unchanged++;
      if (json === null) {
        tx.del(key);
        result.options.removed++;
      } else {
        tx.set(key, json);
        result.options[have === null ? 'created' : 'updated']++;
      }
    };
    for (const [n, o] of d.options.numbers) record(keys.numberOptions(n), o.list);
    for (const [id, o] of d.options.sites) record(keys.siteOptions(id), o.list);
  },
};

/** The gained options' default settings, except fields the file sets for the number itself. */
function writeDefaults(tx: Tx, d: Desired, snap: Snapshot, n: string, gained: OptionName[]): void {
  const have = snap.hash(keys.features(n));
  const defaults = subscribedDefaults(featuresFromHash(n, have), gained) as Record<string, unknown>;
  const given = d.features.get(n)?.fields;
  const set: Record<string, string> = {};
  const clear: string[] = [];
  for (const field of FEATURE_FIELDS) {
    if (!(field in defaults) || given?.has(field)) continue;
    const value = defaults[field];
    if (value === undefined) {
      if (have[field] !== undefined) clear.push(field);
    } else if (have[field] !== encodeFeature(value)) set[field] = encodeFeature(value);
  }
  if (Object.keys(set).length) tx.hset(keys.features(n), set);
  if (clear.length) tx.hdel(keys.features(n), ...clear);
}

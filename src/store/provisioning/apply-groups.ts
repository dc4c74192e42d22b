import type { BulkGroup, HuntGroup } from '../../features/settings.js';
import { keys } from '../keys.js';
import { lineFromHash } from '../line-store.js';
import type { KindCounts, Part, ProvisioningResult } from './part.js';
import type { Desired, PlannedGroup } from '../../provisioning/plan.js';
import type { Read, Snapshot } from './snapshot.js';

/**
 * Hunt groups and bulk-forwarding groups: `{kind}:{id}` holds the group JSON,
 * `{kind}of:{number}` the group of each number (a number is in at most one
 * group of each kind), `site:{id}:{kind}s` the site's group ids. The file's
 * own rules are checked in the schema; here, numbers the file does not
 * provision are checked against Redis, and numbers already in another group.
 */

interface GroupKind {
  label: string;
  group: (id: string) => string;
  of: (number: string) => string;
  siteSet: (siteId: string) => string;
  planned: (d: Desired) => Map<string, PlannedGroup<HuntGroup | BulkGroup>>;
  counts: (r: ProvisioningResult) => KindCounts;
  basicOnly: boolean;
}

function storedGroup(snap: Snapshot, k: GroupKind, id: string): { siteId: string; numbers: string[] } | null {
  const json = snap.str(k.group(id));
  if (json === null) return null;
  try {
    const g = JSON.parse(json) as Partial<HuntGroup & BulkGroup>;
    const numbers = [...(typeof g.pilot === 'string' ? [g.pilot] : []), ...(Array.isArray(g.members) ? g.members : [])];
    return { siteId: String(g.siteId ?? ''), numbers };
  } catch {
    return { siteId: '', numbers: [] };
  }
}

function groupPart(k: GroupKind): Part {
  return {
    reads(round, d, snap, shared) {
      const r: Read[] = [];
      const planned = k.planned(d);
      if (round === 0) {
        for (const [id, g] of planned) {
          r.push({ op: 'get', key: k.group(id) }, { op: 'sismember', key: k.siteSet(g.siteId), member: id });
          for (const { number } of g.numbers) r.push({ op: 'get', key: k.of(number) }, { op: 'hgetall', key: keys.number(number) });
        }
      } else if (round === 1) {
        for (const [id, g] of planned) {
          // Members the group loses: their index entry goes if it still names this group.
          const now = new Set(g.numbers.map((x) => x.number));
          for (const n of storedGroup(snap, k, id)?.numbers ?? []) if (!now.has(n)) r.push({ op: 'get', key: k.of(n) });
          // Numbers only Redis knows: their line tells the site.
          for (const { number } of g.numbers) {
            const sipId = snap.hash(keys.number(number)).sipId;
            if (!d.numbers.has(number) && sipId) r.push({ op: 'hgetall', key: keys.line(sipId) });
          }
        }
      } else {
        for (const n of shared.removedNumbers.keys()) r.push({ op: 'get', key: k.of(n) });
      }
      return r;
    },

    conflicts(d, snap, shared) {
      const issues: string[] = [];
      const planned = k.planned(d);
      for (const [id, g] of planned) {
        for (const { number, path } of g.numbers) {
          if (!d.numbers.has(number)) {
            const stored = snap.hash(keys.number(number));
            if (!stored.sipId || shared.removedNumbers.has(number)) {
              issues.push(`${path}: number ${number} is not provisioned (no line has it)`);
              continue;
            }
            const line = lineFromHash(snap.hash(keys.line(stored.sipId)));
            if (line?.siteId !== g.siteId) issues.push(`${path}: number ${number} is not a number of site ${g.siteId}`);
            else if (k.basicOnly && stored.kind !== 'basic')
              issues.push(`${path}: number ${number} is not the basic number of a line (hunt groups hold basic numbers)`);
          }
          const other = snap.str(k.of(number));
          // A group of the file is rewritten by it (and the schema allows a number in one group only).
          if (other !== null && other !== id && !planned.has(other)) issues.push(`${path}: number ${number} is already in ${k.label} ${other}`);
        }
      }
      for (const [n, sipId] of shared.removedNumbers) {
        const group = snap.str(k.of(n));
        if (group !== null && !planned.has(group)) {
          issues.push(`${d.linePaths.get(sipId)}: number ${n} leaves its line but is still in ${k.label} ${group}`);
        }
      }
      return issues;
    },

    remove(tx, d, snap) {
      for (const [id, g] of k.planned(d)) {
        const had = storedGroup(snap, k, id);
        if (!had) continue;
        const now = new Set(g.numbers.map((x) => x.number));
        for (const n of had.numbers) if (!now.has(n) && snap.str(k.of(n)) === id) tx.del(k.of(n));
        if (had.siteId !== g.siteId && had.siteId !== '') tx.srem(k.siteSet(had.siteId), id);
      }
    },

    write(tx, d, snap, _shared, result) {
      for (const [id, g] of k.planned(d)) {
        const have = snap.str(k.group(id));
        const listed = snap.isMember(k.siteSet(g.siteId), id);
        let changed = have !== g.json;
        if (changed) tx.set(k.group(id), g.json);
        if (!listed) tx.sadd(k.siteSet(g.siteId), id);
        for (const { number } of g.numbers) {
          if (snap.str(k.of(number)) === id) continue;
          tx.set(k.of(number), id);
          changed = true;
        }
        const c = k.counts(result);
        if (have === null) c.created++;
        else if (changed || !listed) c.updated++;
        else c.unchanged++;
      }
    },
  };
}

export const huntGroupsPart = groupPart({
  label: 'hunt group',
  group: keys.huntGroup,
  of: keys.huntGroupOf,
  siteSet: keys.siteHuntGroups,
  planned: (d) => d.huntGroups,
  counts: (r) => r.huntGroups,
  basicOnly: true,
});

export const bulkGroupsPart = groupPart({
  label: 'bulk group',
  group: keys.bulkGroup,
  of: keys.bulkGroupOf,
  siteSet: keys.siteBulkGroups,
  planned: (d) => d.bulkGroups,
  counts: (r) => r.bulkGroups,
  basicOnly: false,
});

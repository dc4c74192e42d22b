import { keys } from '../keys.js';
import { LINE_FIELDS, lineFromHash, lineToHash, type LineRecord } from '../line-store.js';
import { count, differs, type Part } from './part.js';
import type { Desired } from '../../provisioning/plan.js';
import type { Read, Snapshot } from './snapshot.js';

/** Voice groups, sites, lines, their numbers and trusted addresses. */

function storedLine(snap: Snapshot, sipId: string): LineRecord | null {
  return lineFromHash(snap.hash(keys.line(sipId)));
}

/** Numbers a line of the file had in Redis and gives up now (still owned by it there). */
export function removedNumbers(d: Desired, snap: Snapshot): Map<string, string> {
  const out = new Map<string, string>();
  for (const sipId of d.lines.keys()) {
    const had = storedLine(snap, sipId);
    if (!had) continue;
    for (const n of [had.basicNumber, ...had.dialInNumbers]) {
      if (n && !d.numbers.has(n) && snap.hash(keys.number(n)).sipId === sipId) out.set(n, sipId);
    }
  }
  return out;
}

export const linesPart: Part = {
  reads(round, d, snap) {
    const r: Read[] = [];
    if (round === 0) {
      for (const id of d.voiceGroups.keys()) r.push({ op: 'hgetall', key: keys.voiceGroup(id) }, { op: 'sismember', key: keys.voiceGroupIndex, member: id });
      for (const id of d.sites.keys()) r.push({ op: 'hgetall', key: keys.site(id) }, { op: 'smembers', key: keys.siteLines(id) });
      for (const id of d.lines.keys()) r.push({ op: 'hgetall', key: keys.line(id) }, { op: 'sismember', key: keys.lineIndex, member: id });
      for (const n of d.numbers.keys()) r.push({ op: 'hgetall', key: keys.number(n) });
      for (const a of d.addresses.keys()) r.push({ op: 'get', key: keys.ipAuth(a) });
    } else if (round === 1) {
      // What the lines have now but may lose: read (and watch) before deleting.
      for (const sipId of d.lines.keys()) {
        const had = storedLine(snap, sipId);
        if (!had) continue;
        for (const n of [had.basicNumber, ...had.dialInNumbers]) if (n) r.push({ op: 'hgetall', key: keys.number(n) });
        for (const a of had.allowedAddresses) r.push({ op: 'get', key: keys.ipAuth(a) });
        if (!d.sites.has(had.siteId)) r.push({ op: 'smembers', key: keys.siteLines(had.siteId) });
      }
    }
    return r;
  },

  /** Numbers and addresses owned in Redis by a line that does not give them up in this file. */
  conflicts(d, snap) {
    const issues: string[] = [];
    const releasedBy = (owner: string, isTheirs: (l: LineRecord) => boolean) => {
      const inFile = d.lines.get(owner);
      return inFile !== undefined && !isTheirs(inFile);
    };
    for (const [n, want] of d.numbers) {
      const owner = snap.hash(keys.number(n)).sipId;
      if (!owner || owner === want.sipId) continue;
      if (releasedBy(owner, (l) => l.basicNumber === n || l.dialInNumbers.includes(n))) continue;
      issues.push(`${d.paths.get(`num:${n}`)}: number ${n} already belongs to line ${owner}`);
    }
    for (const [a, sipId] of d.addresses) {
      const owner = snap.str(keys.ipAuth(a));
      if (!owner || owner === sipId) continue;
      if (releasedBy(owner, (l) => l.allowedAddresses.includes(a))) continue;
      issues.push(`${d.paths.get(`ip:${a}`)}: address ${a} already authenticates line ${owner}`);
    }
    return issues;
  },

  remove(tx, d, snap, shared, result) {
    for (const n of shared.removedNumbers.keys()) {
      tx.del(keys.number(n));
      result.numbers.removed++;
    }
    for (const [sipId, want] of d.lines) {
      const had = storedLine(snap, sipId);
      if (!had) continue;
      for (const a of had.allowedAddresses) {
        if (!d.addresses.has(a) && snap.str(keys.ipAuth(a)) === sipId) tx.del(keys.ipAuth(a));
      }
      if (had.siteId !== want.siteId) tx.srem(keys.siteLines(had.siteId), sipId);
    }
  },

  write(tx, d, snap, _shared, result) {
    for (const [id, want] of d.voiceGroups) {
      const have = snap.hash(keys.voiceGroup(id));
      const indexed = snap.isMember(keys.voiceGroupIndex, id);
      const changed = differs(want, have);
      if (changed) tx.hset(keys.voiceGroup(id), want);
      if (!indexed) tx.sadd(keys.voiceGroupIndex, id);
      count(result.voiceGroups, Object.keys(have).length > 0, changed || !indexed);
    }

    for (const [id, want] of d.sites) {
      const have = snap.hash(keys.site(id));
      const changed = differs(want, have);
      if (changed) tx.hset(keys.site(id), want);
      count(result.sites, Object.keys(have).length > 0, changed);
    }

    for (const [sipId, line] of d.lines) {
      const have = snap.hash(keys.line(sipId));
      const indexed = snap.isMember(keys.lineIndex, sipId);
      const want = lineToHash(line);
      const changed = differs(want, have, LINE_FIELDS);
      if (changed) {
        tx.hset(keys.line(sipId), want);
        const stale = LINE_FIELDS.filter((f) => want[f] === undefined && have[f] !== undefined);
        if (stale.length > 0) tx.hdel(keys.line(sipId), ...stale);
      }
      if (!indexed) tx.sadd(keys.lineIndex, sipId);
      const listed = snap.set(keys.siteLines(line.siteId)).has(sipId);
      if (!listed) tx.sadd(keys.siteLines(line.siteId), sipId);
      count(result.lines, Object.keys(have).length > 0, changed || !indexed || !listed);
      for (const a of line.allowedAddresses) if (snap.str(keys.ipAuth(a)) !== sipId) tx.set(keys.ipAuth(a), sipId);
    }

    for (const [n, want] of d.numbers) {
      const have = snap.hash(keys.number(n));
      const changed = differs(want, have);
      if (changed) tx.hset(keys.number(n), want);
      count(result.numbers, Object.keys(have).length > 0, changed);
    }
  },
};

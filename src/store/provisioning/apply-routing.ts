import type { Peer } from '../../features/settings.js';
import { emergencyRoutesOf, ROUTE_FIELDS } from '../route-store.js';
import { keys } from '../keys.js';
import type { KindCountsRemoved, Part } from './part.js';
import type { Desired } from '../../provisioning/plan.js';
import type { Read, Snapshot } from './snapshot.js';

/**
 * Interconnect peers (`peers` hash, `peeraddr:{address}`) and routes (`routes`
 * hash). Each section the file gives replaces the stored one whole. An
 * address trusts either one line (`ipauth:`) or one peer, never both.
 */

function storedPeers(snap: Snapshot): Map<string, Peer> {
  const out = new Map<string, Peer>();
  for (const [name, json] of Object.entries(snap.hash(keys.peers))) {
    try {
      const p = JSON.parse(json) as Peer;
      out.set(name, { name, addresses: Array.isArray(p.addresses) ? p.addresses : [] });
    } catch {
      out.set(name, { name, addresses: [] });
    }
  }
  return out;
}

const peerJson = (p: Peer) => JSON.stringify({ name: p.name, addresses: p.addresses, ...(p.hosts ? { hosts: p.hosts } : {}) });

/** address -> peer of the file's peer list */
function newAddresses(d: Desired): Map<string, Peer> {
  const out = new Map<string, Peer>();
  for (const p of d.routing.peers?.values() ?? []) for (const a of p.addresses) out.set(a, p);
  return out;
}

function peerName(json: string | null): string | null {
  if (json === null) return null;
  try {
    return String((JSON.parse(json) as Peer).name);
  } catch {
    return '?';
  }
}

export const routingPart: Part = {
  reads(round, d, snap) {
    const r: Read[] = [];
    if (round === 0) {
      if (d.routing.peers) {
        r.push({ op: 'hgetall', key: keys.peers });
        for (const a of newAddresses(d).keys()) r.push({ op: 'get', key: keys.peerAddress(a) }, { op: 'get', key: keys.ipAuth(a) });
      }
      for (const a of d.addresses.keys()) r.push({ op: 'get', key: keys.peerAddress(a) });
      if (d.routing.outbound !== undefined || d.routing.emergency !== undefined || d.routing.voicemail !== undefined)
        r.push({ op: 'hgetall', key: keys.routes });
    } else if (round === 1 && d.routing.peers) {
      for (const p of storedPeers(snap).values()) for (const a of p.addresses) r.push({ op: 'get', key: keys.peerAddress(a) });
    }
    return r;
  },

  conflicts(d, snap) {
    const issues: string[] = [];
    const addresses = newAddresses(d);
    for (const a of addresses.keys()) {
      const line = snap.str(keys.ipAuth(a));
      if (line === null) continue;
      const inFile = d.lines.get(line);
      if (inFile && !inFile.allowedAddresses.includes(a)) continue; // the line gives it up in this file
      issues.push(`${d.paths.get(`peer:${a}`)}: address ${a} already authenticates line ${line}`);
    }
    for (const a of d.addresses.keys()) {
      const peer = peerName(snap.str(keys.peerAddress(a)));
      if (peer === null) continue;
      if (d.routing.peers && !addresses.has(a)) continue; // the peer list of this file drops it
      issues.push(`${d.paths.get(`ip:${a}`)}: address ${a} is the address of interconnect peer ${peer}`);
    }
    return issues;
  },

  remove(tx, d, snap, _shared, result) {
    if (!d.routing.peers) return;
    const addresses = newAddresses(d);
    for (const p of storedPeers(snap).values()) {
      if (!d.routing.peers.has(p.name)) {
        tx.hdel(keys.peers, p.name);
        result.peers.removed++;
      }
      for (const a of p.addresses) if (!addresses.has(a) && snap.str(keys.peerAddress(a)) !== null) tx.del(keys.peerAddress(a));
    }
  },

  write(tx, d, snap, _shared, result) {
    if (d.routing.peers) {
      const stored = storedPeers(snap);
      for (const p of d.routing.peers.values()) {
        const want = peerJson(p);
        const had = snap.hash(keys.peers)[p.name];
        if (had !== want) tx.hset(keys.peers, p.name, want);
        let changed = had !== want;
        for (const a of p.addresses) {
          if (snap.str(keys.peerAddress(a)) === want) continue;
          tx.set(keys.peerAddress(a), want);
          changed = true;
        }
        if (!stored.has(p.name)) result.peers.created++;
        else if (changed) result.peers.updated++;
        else result.peers.unchanged++;
      }
    }
    const routes = snap.hash(keys.routes);
    if (d.routing.outbound) {
      const want = JSON.stringify(d.routing.outbound);
      if (routes[ROUTE_FIELDS.outbound] !== want) tx.hset(keys.routes, ROUTE_FIELDS.outbound, want);
      countTable(d.routing.outbound, parseList(routes[ROUTE_FIELDS.outbound]), result.outboundRoutes);
    }
    if (d.routing.emergency !== undefined) {
      const want = JSON.stringify(d.routing.emergency);
      const stored = routes[ROUTE_FIELDS.emergencyByArea];
      if (d.routing.emergency.length === 0) {
        if (stored !== undefined) tx.hdel(keys.routes, ROUTE_FIELDS.emergencyByArea);
      } else if (stored !== want) {
        tx.hset(keys.routes, ROUTE_FIELDS.emergencyByArea, want);
      }
      // The former single route is replaced by the table (whatever the file gives).
      const legacy = routes[ROUTE_FIELDS.emergency];
      if (legacy !== undefined) tx.hdel(keys.routes, ROUTE_FIELDS.emergency);
      countTable(d.routing.emergency, emergencyRoutesOf(stored, legacy), result.emergencyRoutes);
    }
    if (d.routing.voicemail !== undefined) {
      const had = routes[ROUTE_FIELDS.voicemail];
      const want = d.routing.voicemail === null ? undefined : JSON.stringify(d.routing.voicemail);
      if (want === undefined) {
        if (had !== undefined) tx.hdel(keys.routes, ROUTE_FIELDS.voicemail);
      } else if (had !== want) {
        tx.hset(keys.routes, ROUTE_FIELDS.voicemail, want);
      }
      countTable(d.routing.voicemail === null ? [] : [d.routing.voicemail], parseList(had === undefined ? undefined : `[${had}]`), result.voicemail);
    }
  },
};

/** Created / updated / unchanged per route name, and the stored ones the table drops. */
function countTable(want: ReadonlyArray<{ name: string }>, stored: ReadonlyArray<{ name: string }>, counts: KindCountsRemoved): void {
  const had = new Map(stored.map((r) => [r.name, JSON.stringify(r)]));
  for (const r of want) {
    const before = had.get(r.name);
    if (before === undefined) counts.created++;
    else if (before !== JSON.stringify(r)) counts.updated++;
    else counts.unchanged++;
    had.delete(r.name);
  }
  counts.removed += had.size;
}

function parseList(json: string | undefined): Array<{ name: string }> {
  if (json === undefined) return [];
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? (v as Array<{ name: string }>) : [];
  } catch {
    return [];
  }
}

import { computeHa1 } from '../auth/digest.js';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../config/schema.js';
import type { Log } from '../log.js';
import { keys } from '../store/keys.js';
import { LINE_FIELDS, lineFromHash, lineToHash, type LineRecord } from '../store/line-store.js';
import { parseProvisioning, ProvisioningError, type ProvisioningFile } from './schema.js';

export { ProvisioningError } from './schema.js';

/**
 * Apply a provisioning file to Redis: validate everything (the file, then the
 * file against what Redis holds), then write every change in one MULTI/EXEC
 * under WATCH, so nothing is ever half-applied. Upsert: entities in the file
 * are created or updated, others are left alone; re-applying a file is a no-op.
 */

export interface KindCounts { created: number; updated: number; unchanged: number }
export interface ProvisioningResult {
  voiceGroups: KindCounts;
  sites: KindCounts;
  lines: KindCounts;
  /** `removed`: numbers a line no longer has (their `num:` keys are deleted). */
  numbers: KindCounts & { removed: number };
}

type Hash = Record<string, string>;

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

/** What the file asks for, keyed as in Redis. Pure. */
interface Desired {
  voiceGroups: Map<string, Hash>;
  sites: Map<string, Hash>;
  lines: Map<string, LineRecord>;
  /** number -> num: hash fields */
  numbers: Map<string, Hash>;
  /** address -> SIP-ID */
  addresses: Map<string, string>;
  /** number / address -> the file path naming it, for error messages */
  paths: Map<string, string>;
}

export function plan(file: ProvisioningFile, realm: string): Desired {
  const d: Desired = { voiceGroups: new Map(), sites: new Map(), lines: new Map(), numbers: new Map(), addresses: new Map(), paths: new Map() };
  file.voiceGroups.forEach((vg, g) => {
    d.voiceGroups.set(vg.id, { id: vg.id, name: vg.name });
    vg.sites.forEach((site, s) => {
      d.sites.set(site.id, { id: site.id, voiceGroupId: vg.id, name: site.name });
      site.lines.forEach((l, i) => {
        const path = `voiceGroups[${g}].sites[${s}].lines[${i}]`;
        const line: LineRecord = {
          sipId: l.sipId, voiceGroupId: vg.id, siteId: site.id, channels: l.channels, auth: l.auth,
          allowedAddresses: l.allowedAddresses ?? [], basicNumber: l.basicNumber, dialInNumbers: l.dialInNumbers,
        };
        if (l.auth === 'digest') {
          line.realm = realm;
          line.ha1Md5 = l.password !== undefined ? computeHa1('MD5', l.sipId, realm, l.password) : l.ha1Md5;
          line.ha1Sha256 = l.password !== undefined ? computeHa1('SHA-256', l.sipId, realm, l.password) : l.ha1Sha256;
        }
        d.lines.set(l.sipId, line);
        d.numbers.set(l.basicNumber, { number: l.basicNumber, sipId: l.sipId, kind: 'basic' });
        d.paths.set(`num:${l.basicNumber}`, `${path}.basicNumber`);
        l.dialInNumbers.forEach((n, k) => {
          d.numbers.set(n, { number: n, sipId: l.sipId, kind: 'dial-in' });
          d.paths.set(`num:${n}`, `${path}.dialInNumbers[${k}]`);
        });
        line.allowedAddresses.forEach((a, k) => {
          d.addresses.set(a, l.sipId);
          d.paths.set(`ip:${a}`, `${path}.allowedAddresses[${k}]`);
        });
      });
    });
  });
  return d;
}

/** What Redis holds for the keys the file touches. */
interface Current {
  voiceGroups: Map<string, { hash: Hash; indexed: boolean }>;
  sites: Map<string, Hash>;
  /** site id -> SIP-IDs listed in site:{id}:lines */
  siteLines: Map<string, Set<string>>;
  lines: Map<string, { hash: Hash; record: LineRecord | null; indexed: boolean }>;
  numbers: Map<string, Hash>;
  addresses: Map<string, string | null>;
}

export async function applyProvisioning(redis: Redis, config: Config, fileContents: unknown, log?: Log): Promise<ProvisioningResult> {
  const desired = plan(parseProvisioning(fileContents), config.sip.realm);
  for (let attempt = 1; attempt <= 5; attempt++) {
    const current = await readCurrent(redis, desired);
    const issues = conflicts(desired, current);
    if (issues.length > 0) {
      await redis.unwatch();
      throw new ProvisioningError(issues);
    }
    const tx = redis.multi(); // queued client-side until exec()
    const queuedBefore = tx.length;
    const result = writeChanges(tx, desired, current);
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
  for (const [kind, c] of Object.entries(r)) for (const [k, v] of Object.entries(c)) out[`${kind}.${k}`] = v as number;
  return out;
}

async function readCurrent(redis: Redis, d: Desired): Promise<Current> {
  const watched = [
    ...[...d.voiceGroups.keys()].map(keys.voiceGroup), keys.voiceGroupIndex,
    ...[...d.sites.keys()].flatMap((id) => [keys.site(id), keys.siteLines(id)]),
    ...[...d.lines.keys()].map(keys.line), keys.lineIndex,
    ...[...d.numbers.keys()].map(keys.number),
    ...[...d.addresses.keys()].map(keys.ipAuth),
  ];
  await redis.watch(...watched);
  const p = redis.pipeline();
  for (const id of d.voiceGroups.keys()) p.hgetall(keys.voiceGroup(id)).sismember(keys.voiceGroupIndex, id);
  for (const id of d.sites.keys()) p.hgetall(keys.site(id)).smembers(keys.siteLines(id));
  for (const id of d.lines.keys()) p.hgetall(keys.line(id)).sismember(keys.lineIndex, id);
  for (const n of d.numbers.keys()) p.hgetall(keys.number(n));
  for (const a of d.addresses.keys()) p.get(keys.ipAuth(a));
  const r = unwrap(await p.exec());
  let i = 0;
  const next = () => r[i++];
  const c: Current = { voiceGroups: new Map(), sites: new Map(), siteLines: new Map(), lines: new Map(), numbers: new Map(), addresses: new Map() };
  for (const id of d.voiceGroups.keys()) c.voiceGroups.set(id, { hash: next() as Hash, indexed: next() === 1 });
  for (const id of d.sites.keys()) {
    c.sites.set(id, next() as Hash);
    c.siteLines.set(id, new Set(next() as string[]));
  }
  for (const id of d.lines.keys()) {
    const hash = next() as Hash;
    c.lines.set(id, { hash, record: lineFromHash(hash), indexed: next() === 1 });
  }
  for (const n of d.numbers.keys()) c.numbers.set(n, next() as Hash);
  for (const a of d.addresses.keys()) c.addresses.set(a, next() as string | null);

  // Numbers and addresses the lines have now but lose: check they are theirs before deleting.
  const oldNumbers = new Set<string>();
  const oldAddresses = new Set<string>();
  for (const { record } of c.lines.values()) {
    if (!record) continue;
    for (const n of [record.basicNumber, ...record.dialInNumbers]) if (n && !c.numbers.has(n)) oldNumbers.add(n);
    for (const a of record.allowedAddresses) if (!c.addresses.has(a)) oldAddresses.add(a);
  }
  const oldSites = [...c.lines.values()].map((l) => l.record?.siteId).filter((s): s is string => !!s && !d.sites.has(s));
  const more = [...[...oldNumbers].map(keys.number), ...[...oldAddresses].map(keys.ipAuth), ...oldSites.map(keys.siteLines)];
  if (more.length > 0) {
    await redis.watch(...more);
    const q = redis.pipeline();
    for (const n of oldNumbers) q.hgetall(keys.number(n));
    for (const a of oldAddresses) q.get(keys.ipAuth(a));
    const r2 = unwrap(await q.exec());
    let j = 0;
    for (const n of oldNumbers) c.numbers.set(n, r2[j++] as Hash);
    for (const a of oldAddresses) c.addresses.set(a, r2[j++] as string | null);
  }
  return c;
}

function unwrap(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (!replies) throw new Error('Redis pipeline failed');
  return replies.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

/** Numbers and addresses owned in Redis by a line that does not give them up in this file. */
function conflicts(d: Desired, c: Current): string[] {
  const issues: string[] = [];
  const releasedBy = (owner: string, isTheirs: (l: LineRecord) => boolean) => {
    const inFile = d.lines.get(owner);
    return inFile !== undefined && !isTheirs(inFile);
  };
  for (const [n, want] of d.numbers) {
    const owner = c.numbers.get(n)?.sipId;
    if (!owner || owner === want.sipId) continue;
    if (releasedBy(owner, (l) => l.basicNumber === n || l.dialInNumbers.includes(n))) continue;
    issues.push(`${d.paths.get(`num:${n}`)}: number ${n} already belongs to line ${owner}`);
  }
  for (const [a, sipId] of d.addresses) {
    const owner = c.addresses.get(a);
    if (!owner || owner === sipId) continue;
    if (releasedBy(owner, (l) => l.allowedAddresses.includes(a))) continue;
    issues.push(`${d.paths.get(`ip:${a}`)}: address ${a} already authenticates line ${owner}`);
  }
  return issues;
}

const counts = (): KindCounts => ({ created: 0, updated: 0, unchanged: 0 });

function count(k: KindCounts, stored: Hash, changed: boolean): void {
  if (Object.keys(stored).length === 0) k.created++;
  else if (changed) k.updated++;
  else k.unchanged++;
}

function differs(want: Hash, have: Hash, fields: readonly string[] = Object.keys(want)): boolean {
  return fields.some((f) => want[f] !== have[f]);
}

type Tx = ReturnType<Redis['multi']>;

/** Queue every change on tx (removals first, so a number moving between lines ends with its new owner). */
function writeChanges(tx: Tx, d: Desired, c: Current): ProvisioningResult {
  const result: ProvisioningResult = { voiceGroups: counts(), sites: counts(), lines: counts(), numbers: { ...counts(), removed: 0 } };

  for (const [sipId, want] of d.lines) {
    const had = c.lines.get(sipId)?.record;
    if (!had) continue;
    for (const n of [had.basicNumber, ...had.dialInNumbers]) {
      if (!n || d.numbers.has(n) || c.numbers.get(n)?.sipId !== sipId) continue;
      tx.del(keys.number(n));
      result.numbers.removed++;
    }
    for (const a of had.allowedAddresses) {
      if (!d.addresses.has(a) && c.addresses.get(a) === sipId) tx.del(keys.ipAuth(a));
    }
    if (had.siteId !== want.siteId) tx.srem(keys.siteLines(had.siteId), sipId);
  }

  for (const [id, want] of d.voiceGroups) {
    const have = c.voiceGroups.get(id) ?? { hash: {}, indexed: false };
    const changed = differs(want, have.hash);
    if (changed) tx.hset(keys.voiceGroup(id), want);
    if (!have.indexed) tx.sadd(keys.voiceGroupIndex, id);
    count(result.voiceGroups, have.hash, changed || !have.indexed);
  }

  for (const [id, want] of d.sites) {
    const have = c.sites.get(id) ?? {};
    const changed = differs(want, have);
    if (changed) tx.hset(keys.site(id), want);
    count(result.sites, have, changed);
  }

  for (const [sipId, line] of d.lines) {
    const have = c.lines.get(sipId) ?? { hash: {}, record: null, indexed: false };
    const want = lineToHash(line);
    const changed = differs(want, have.hash, LINE_FIELDS);
    if (changed) {
      tx.hset(keys.line(sipId), want);
      const stale = LINE_FIELDS.filter((f) => want[f] === undefined && have.hash[f] !== undefined);
      if (stale.length > 0) tx.hdel(keys.line(sipId), ...stale);
    }
    if (!have.indexed) tx.sadd(keys.lineIndex, sipId);
    const listed = c.siteLines.get(line.siteId)?.has(sipId) ?? false;
    if (!listed) tx.sadd(keys.siteLines(line.siteId), sipId);
    count(result.lines, have.hash, changed || !have.indexed || !listed);
    for (const a of line.allowedAddresses) if (c.addresses.get(a) !== sipId) tx.set(keys.ipAuth(a), sipId);
  }

  for (const [n, want] of d.numbers) {
    const have = c.numbers.get(n) ?? {};
    const changed = differs(want, have);
    if (changed) tx.hset(keys.number(n), want);
    count(result.numbers, have, changed);
  }
  return result;
}

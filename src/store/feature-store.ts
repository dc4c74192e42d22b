import type { Redis } from 'ioredis';
import { parseBulkGroup, parseHuntGroup, parseSharedBulkGroup, parseSharedHuntGroup } from './schemas.js';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import { defaultFeatures, type BulkGroup, type HuntGroup, type NumberFeatures } from '../features/settings.js';
import type { CalledGroups } from '../features/call-context.js';

/** A called number's settings and groups (FeatureStore.callSettings). */
export interface CallSettings {
  features: NumberFeatures;
  groups: CalledGroups;
}

/** Which of a number's groups a call needs: none (a line's basic number), its hunt group (the calling number), or both (the called number). */
export type GroupsWanted = 'none' | 'hunt' | 'both';

/** One number a call needs the settings of (FeatureStore.callParties). */
export interface PartyRequest {
  number: string;
  groups: GroupsWanted;
}

/** A number's settings (null: not ours) and the groups asked for (a group not asked for is null). */
export interface PartySettings {
  features: NumberFeatures | null;
  groups: CalledGroups;
}

/** One number's part of lua/call-settings.lua's reply. */
type PartyReply = [number, string[], string | null, string | null, string | null];

interface FeatureCommands {
  ssCallSettings(numberOfKeys: number, ...keysAndArgs: string[]): Promise<PartyReply[]>;
}

/**
 * The group keys the script names from the ids it reads: each is the stem
 * plus the id (plus the suffix for the frozen slot-5 hash), as keys.ts
 * builds them.
 */
const GROUP_STEMS = {
  hunt: keys.huntGroup(''),
  bulk: keys.bulkGroup(''),
  slot5Suffix: keys.bulkDestinations('').slice(keys.bulkGroup('').length),
};

/** A number's settings and groups from its part of the script's reply. */
function partyFromReply(number: string, reply: PartyReply | undefined): PartySettings {
  if (!reply) throw new Error('call-settings script: a reply short of the numbers asked');
  const [exists, flat, huntJson, bulkJson, frozen] = reply;
  const hash: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[flat[i]!] = flat[i + 1]!;
  const hunt = parseSharedHuntGroup(huntJson);
  const bulk = parseSharedBulkGroup(bulkJson);
  // As bulkDestination(): only a started group's frozen destination counts.
  const destination = bulk?.state === 'started' && frozen !== null ? { bulkDestination: frozen === '' ? null : frozen } : {};
  return { features: exists === 1 ? featuresFromHash(number, hash) : null, groups: { hunt, bulk, ...destination } };
}

/**
 * Call-feature settings in Redis, read on every call by every node.
 *
 * `feat:{number}` is a hash of feature name -> JSON value, one field per
 * top-level field of NumberFeatures. A field that is not stored takes its
 * value from defaultFeatures(), so a number with no settings has no hash and
 * one writer can change one feature without rewriting the others.
 */

/** The stored fields of `feat:{number}` (every NumberFeatures field but `number`). */
export const FEATURE_FIELDS = [
  'blockedCallers',
  'blockAnnouncementUri',
  'anonymousRejection',
  'internationalBar',
  'outgoingRestriction',
  'presentation',
  'specificPresentation',
  'forwarding',
  'tollFreeForwarding',
] as const;
export type FeatureField = (typeof FEATURE_FIELDS)[number];

/**
 * When each block-list entry was added (docs/product.md §4.1): a field of its
 * own in `feat:{number}`, JSON `{ "<caller number>": <ms> }`, written by the
 * store whenever `blockedCallers` is written. It is not a feature setting:
 * nothing sets it from outside, and the call stages never read it. Entries
 * stored before times were kept have none.
 */
export const BLOCKED_ADDED_FIELD = 'blockedCallersAddedAt';

export interface BlockListEntry {
  number: string;
  /** ms since the epoch; null for an entry stored before add times were kept. */
  addedAt: number | null;
}

/** The add times after the list changes from `before` to `after`: kept entries keep theirs (or none), new entries get `now`. */
export function blockedAddedTimes(
  before: readonly string[],
  beforeTimes: Record<string, number>,
  after: readonly string[],
  now: number,
): Record<string, number> {
  const kept = new Set(before);
  const out: Record<string, number> = {};
  for (const n of after) {
    if (!kept.has(n)) out[n] = now;
    else if (beforeTimes[n] !== undefined) out[n] = beforeTimes[n];
  }
  return out;
}

/** The stored add times, read defensively (a damaged value: no times). */
export function decodeAddedTimes(raw: string | undefined | null): Record<string, number> {
  if (!raw) return {};
  try {
    const v: unknown = JSON.parse(raw);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => Number.isFinite(e[1])));
  } catch {
    return {};
  }
}

/** A stored list of strings, read defensively. */
export function decodeList(raw: string | undefined | null): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The hash value of one feature field. */
export function encodeFeature(value: unknown): string {
  return JSON.stringify(value);
}

/** NumberFeatures from a `feat:` hash, defaults for fields not set (or unreadable). */
export function featuresFromHash(number: string, hash: Record<string, string>): NumberFeatures {
  const f = defaultFeatures(number) as unknown as Record<string, unknown>;
  for (const field of FEATURE_FIELDS) {
    const raw = hash[field];
    if (raw === undefined) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      continue; // written by hand or by an older version: the default is safer than a guess
    }
    if (value === null) continue;
    if (field === 'forwarding' && typeof value === 'object') {
      // Forwarding is stored whole; fill sub-fields an older writer did not know.
      value = { ...(f.forwarding as object), ...value };
    }
    f[field] = value;
  }
  return f as unknown as NumberFeatures;
}

/** `YYYY-MM` of `date` in `timeZone`, and of the month before. */
export function serviceMonths(date: Date, timeZone: string): { thisMonth: string; lastMonth: string } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric' }).formatToParts(date);
  const year = Number(parts.find((p) => p.type === 'year')?.value);
  const month = Number(parts.find((p) => p.type === 'month')?.value);
  const fmt = (y: number, m: number) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
  return { thisMonth: fmt(year, month), lastMonth: month === 1 ? fmt(year - 1, 12) : fmt(year, month - 1) };
}

/** Counters outlive their month long enough to be read as "last month" for the whole next month. */
export const NUISANCE_TTL_SECONDS = 70 * 24 * 3600;

export class FeatureStore {
  private readonly commands: FeatureCommands;

  constructor(private readonly redis: Redis) {
    defineScript(redis, 'ssCallSettings', 'call-settings', null);
    this.commands = redis as unknown as FeatureCommands;
  }

  /** Settings of one of our numbers; null when the number is not ours (no `num:` key). One round trip. */
  async get(number: string): Promise<NumberFeatures | null> {
    const replies = await this.redis.pipeline().exists(keys.number(number)).hgetall(keys.features(number)).exec();
    const [exists, feat] = unwrap(replies);
    if (exists !== 1) return null;
    return featuresFromHash(number, feat as Record<string, string>);
  }

  /**
   * What a call to the number needs, its settings and groups, in one round
   * trip (callParties). Null when the number is not ours.
   */
  async callSettings(number: string): Promise<CallSettings | null> {
    const [called] = await this.callParties([{ number, groups: 'both' }]);
    return called?.features ? { features: called.features, groups: called.groups } : null;
  }

  /**
   * What a call needs of several numbers (the calling number, its line's
   * basic number, the called number), each with the groups asked for: one
   * script, so one round trip however many numbers and groups
   * (lua/call-settings.lua). In request order.
   */
  async callParties(requests: readonly PartyRequest[]): Promise<PartySettings[]> {
    if (requests.length === 0) return [];
    const keyList = [GROUP_STEMS.hunt, GROUP_STEMS.bulk];
    const args = [GROUP_STEMS.slot5Suffix];
    for (const { number, groups } of requests) {
      keyList.push(keys.number(number), keys.features(number), keys.huntGroupOf(number), keys.bulkGroupOf(number));
      args.push(number, groups);
    }
    const replies = await this.commands.ssCallSettings(keyList.length, ...keyList, ...args);
    return requests.map(({ number }, i) => partyFromReply(number, replies[i]));
  }

  /** Which line holds the number and how, with its settings; null when the number is not ours. */
  async numberWithFeatures(number: string): Promise<{ sipId: string; kind: 'basic' | 'dial-in'; features: NumberFeatures } | null> {
    const [num, feat] = await Promise.all([this.redis.hgetall(keys.number(number)), this.redis.hgetall(keys.features(number))]);
    if (!num.sipId) return null;
    return { sipId: num.sipId, kind: num.kind === 'dial-in' ? 'dial-in' : 'basic', features: featuresFromHash(number, feat) };
  }

  /** Forwarding of several numbers, concurrently (one round trip: the commands of one turn leave together). */
  async forwardingOf(numbers: readonly string[]): Promise<Map<string, NumberFeatures['forwarding']>> {
    const raws = await Promise.all(numbers.map((n) => this.redis.hget(keys.features(n), 'forwarding')));
    return new Map(numbers.map((n, i) => [n, featuresFromHash(n, raws[i] !== null && raws[i] !== undefined ? { forwarding: raws[i] } : {}).forwarding]));
  }

  /** The hunt group the number is the pilot or a member of. */
  async huntGroupOf(number: string): Promise<HuntGroup | null> {
    const id = await this.redis.get(keys.huntGroupOf(number));
    if (id === null) return null;
    return parseHuntGroup(await this.redis.get(keys.huntGroup(id)));
  }

  /** The bulk-forwarding group the number is a member of. */
  async bulkGroupOf(number: string): Promise<BulkGroup | null> {
    const id = await this.redis.get(keys.bulkGroupOf(number));
    if (id === null) return null;
    return parseBulkGroup(await this.redis.get(keys.bulkGroup(id)));
  }

  /**
   * A started bulk group's slot-5 destination of a member, as frozen by the
   * start (docs/product.md §4.4): null when it had none, undefined when
   * nothing was frozen (the group was not started by the start operation).
   */
  async bulkDestination(groupId: string, number: string): Promise<string | null | undefined> {
    const frozen = await this.redis.hget(keys.bulkDestinations(groupId), number);
    if (frozen === null) return undefined;
    return frozen === '' ? null : frozen;
  }

  /**
   * Round robin (docs/product.md §4.5), shared by all nodes: the index into the ordered
   * list [pilot, ...members] (0 = pilot, size = members.length + 1) at which
   * this call starts its search. Each call advances the shared pointer by
   * one, so call n starts at (n - 1) mod size: the position after the one
   * first tried on the previous call. One INCR, atomic across nodes; when the
   * group's size changes the same counter is simply taken modulo the new size.
   */
  async nextRoundRobinStart(groupId: string, size: number): Promise<number> {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`hunt group size must be a positive integer, got ${size}`);
    const n = await this.redis.incr(keys.huntRoundRobin(groupId));
    return (n - 1) % size;
  }

  /** The block list with the time each entry was added, in list order. */
  async blockList(number: string): Promise<BlockListEntry[]> {
    const [list, times] = await this.redis.hmget(keys.features(number), 'blockedCallers', BLOCKED_ADDED_FIELD);
    const added = decodeAddedTimes(times);
    return decodeList(list).map((n) => ({ number: n, addedAt: added[n] ?? null }));
  }

  /** Count one nuisance-call rejection for the called number, in the current month of the service time zone. */
  async countNuisanceRejection(number: string, now: Date, timeZone: string): Promise<void> {
    const key = keys.nuisanceCount(number, serviceMonths(now, timeZone).thisMonth);
    unwrap(await this.redis.multi().incr(key).expire(key, NUISANCE_TTL_SECONDS).exec());
  }

  /** Rejections counted this month and last month (service time zone). */
  async nuisanceCounts(number: string, now: Date, timeZone: string): Promise<{ thisMonth: number; lastMonth: number }> {
    const m = serviceMonths(now, timeZone);
    const [a, b] = await this.redis.mget(keys.nuisanceCount(number, m.thisMonth), keys.nuisanceCount(number, m.lastMonth));
    return { thisMonth: Number(a ?? 0), lastMonth: Number(b ?? 0) };
  }
}

function unwrap(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (!replies) throw new Error('Redis transaction aborted');
  return replies.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { keys } from './keys.js';
import { defineScript } from './lua-scripts.js';
import { parseCallRecord, parseOpenCallRecord, type callRecordSchema, type openCallRecordSchema } from './schemas.js';

/** A call in progress, as kept in Redis while its node refreshes it. */
export type OpenCallRecord = z.infer<typeof openCallRecordSchema>;
/** A finished call's detail record. */
export type CallRecord = z.infer<typeof callRecordSchema>;
export type CallParty = CallRecord['parties'][number];
/** A record as read back, with its stream id (time written, ms, and a sequence). */
export type StoredCallRecord = CallRecord & { id: string };

export interface ExpiredCall {
  callId: string;
  record: OpenCallRecord | null;
  expiredAt: number;
}

/** How a record is closed: see src/store/lua/cdr-write.lua. */
export type CloseMode = 'owner' | 'lost' | 'unopened';

export interface CallRecordQuery {
  /** Voice group whose stream to read; absent: every record. */
  voiceGroupId?: string;
  /** ms since the epoch (time the record was written), inclusive. */
  from: number;
  to: number;
  /** Continue after this stream id (the `next` of an earlier page). */
  after?: string;
  /** Records wanted that pass `keep`. */
  limit: number;
  /** Stop after reading this many records, matching or not (bounds a narrow filter's cost). */
  maxScan: number;
  keep?: (record: StoredCallRecord) => boolean;
}

interface CdrCommands {
  ssCdrRefresh(openKey: string, ttlMs: number, ...callIds: string[]): Promise<string[]>;
  ssCdrExpired(openKey: string, recKey: string, max: number): Promise<Array<string | null>>;
  ssCdrWrite(numberOfKeys: number, ...keysAndArgs: Array<string | number>): Promise<Array<number | string | null>>;
}

export interface CdrStoreOptions {
  /**
   * Opens and closes issued within this many ms go to Redis together, as one
   * script; a record reaches Redis this much later at most. Default 10.
   */
  batchMs?: number;
}

/** A write waiting for its batch. */
type PendingWrite =
  | { op: 'open'; callId: string; json: string; ttlMs: number; settle: Settle<void> }
  | { op: 'close'; callId: string; json: string; mode: CloseMode; groups: string[]; settle: Settle<string | null> };

interface Settle<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
}

const PAGE = 500;
const REFRESH_SLICE = 500;
/** A batch this long is sent at once, so one script never grows without bound. */
const MAX_BATCH = 200;

/**
 * Call detail records (docs/operations.md "Call detail records").
 *
 * While a call is up its open record lives in `{cdr}:open:rec`, and its
 * Call-ID in `{cdr}:open` scored by an expiry its node keeps pushing forward
 * (as channel entries are). When the call ends, one step takes it out of
 * the open set and appends the finished record to the `{cdr}:cdr` stream and
 * to the stream of each voice group it concerns; a call whose node stopped
 * refreshing it is closed the same way by whichever node finds it first
 * ("node lost"). Streams are trimmed by age on every append (MINID); the
 * voice-group streams also expire when no call has touched them for the
 * retention time.
 *
 * Opens and closes wait up to `batchMs` and go to Redis together, in the
 * order they were asked for, as one script: a call writes three times
 * (offered, answered, ended), and a script per write cost Redis and the node
 * more than the writes themselves. All the keys are tagged {cdr}, so a batch
 * stays on one slot of a Redis Cluster.
 */
export class CdrStore {
  private readonly commands: CdrCommands;
  private readonly batchMs: number;
  private pending: PendingWrite[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly retentionMs: number,
    options: CdrStoreOptions = {},
  ) {
    defineScript(redis, 'ssCdrRefresh', 'cdr-refresh', 1);
    defineScript(redis, 'ssCdrExpired', 'cdr-expired', 2);
    // Keys vary (one stream per voice group): the key count is the first argument.
    defineScript(redis, 'ssCdrWrite', 'cdr-write', null);
    this.commands = redis as unknown as CdrCommands;
    this.batchMs = options.batchMs ?? 10;
  }

  /** Writes (or rewrites) the open record of a call in progress; it expires ttlMs from now unless refreshed. */
  open(record: OpenCallRecord, ttlMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.enqueue({ op: 'open', callId: record.callId, json: JSON.stringify(record), ttlMs, settle: { resolve, reject } });
    });
  }

  /** Keeps these calls open another ttlMs; returns the ones already closed by another node. */
  async refresh(callIds: readonly string[], ttlMs: number): Promise<string[]> {
    const gone: string[] = [];
    // In slices, so a busy node's thousands of calls do not make one long script.
    for (let i = 0; i < callIds.length; i += REFRESH_SLICE) {
      gone.push(...(await this.commands.ssCdrRefresh(keys.openCalls, ttlMs, ...callIds.slice(i, i + REFRESH_SLICE))));
    }
    return gone;
  }

  /**
   * Open calls whose node stopped refreshing them, with the time their entry
   * expired (ms); the record is null when it is damaged.
   */
  async expired(max = 100): Promise<ExpiredCall[]> {
    const flat = await this.commands.ssCdrExpired(keys.openCalls, keys.openCallRecords, max);
    const out: ExpiredCall[] = [];
    for (let i = 0; i + 2 < flat.length; i += 3) out.push({ callId: flat[i]!, record: parseOpenCallRecord(flat[i + 1]), expiredAt: Number(flat[i + 2]) });
    return out;
  }

  /**
   * Takes the call out of the open set and appends its record, in one step;
   * null when another node closed it first (or, for 'lost', it was refreshed meanwhile).
   */
  close(record: CallRecord, mode: CloseMode): Promise<string | null> {
    const groups = [...new Set(record.parties.map((p) => p.voiceGroupId))];
    return new Promise((resolve, reject) => {
      this.enqueue({ op: 'close', callId: record.callId, json: JSON.stringify(record), mode, groups, settle: { resolve, reject } });
    });
  }

  /** Sends what is waiting now, and from now on every write without waiting (the node is stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flush();
  }

  /** Drops the callId's open entry without a record (a call that turned out not to be one). */
  async discard(callId: string): Promise<void> {
    await this.redis.multi().zrem(keys.openCalls, callId).hdel(keys.openCallRecords, callId).exec();
  }

  /**
   * Records written in [from, to], oldest first, that pass `keep`, at most
   * `limit`; `next` is set when reading stopped early (limit or maxScan) and
   * continues from there.
   */
  async read(q: CallRecordQuery): Promise<{ records: StoredCallRecord[]; next?: string }> {
    const key = q.voiceGroupId === undefined ? keys.callRecords : keys.voiceGroupCallRecords(q.voiceGroupId);
    const from = Math.max(q.from, Date.now() - this.retentionMs);
    let start = q.after !== undefined ? `(${q.after}` : String(from);
    const end = String(q.to);
    const records: StoredCallRecord[] = [];
    let scanned = 0;
    for (;;) {
      const count = Math.min(PAGE, q.maxScan - scanned);
      const rows = await this.redis.xrange(key, start, end, 'COUNT', count);
      for (const [id, fields] of rows) {
        scanned++;
        const record = parseCallRecord(fieldValue(fields, 'r'));
        if (!record) continue;
        const stored = { ...record, id };
        if (q.keep && !q.keep(stored)) continue;
        records.push(stored);
        if (records.length >= q.limit) return { records, next: id };
      }
      const last = rows.at(-1);
      if (rows.length < count || !last) return { records };
      if (scanned >= q.maxScan) return { records, next: last[0] };
      start = `(${last[0]}`;
    }
  }

  /**
   * Trims the all-records stream by age, exactly (appends trim only whole
   * stream nodes, cheaply); run now and then, it also covers a quiet period.
   */
  async purge(): Promise<number> {
    return this.redis.xtrim(keys.callRecords, 'MINID', Math.max(0, Date.now() - this.retentionMs));
  }

  private enqueue(write: PendingWrite): void {
    this.pending.push(write);
    if (this.stopped || this.pending.length >= MAX_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.batchMs);
  }

  /** One script for every write waiting; each caller gets its own answer, or the batch's error. */
  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const streamKeys = new Map<string, number>();
    const allKeys: string[] = [keys.openCalls, keys.openCallRecords, keys.callRecords];
    const args: Array<string | number> = [Math.max(0, Date.now() - this.retentionMs), this.retentionMs];
    for (const w of batch) {
      if (w.op === 'open') {
        args.push('open', w.callId, w.json, w.ttlMs);
        continue;
      }
      args.push('close', w.callId, w.json, w.mode, w.groups.length);
      for (const group of w.groups) {
        const key = keys.voiceGroupCallRecords(group);
        let index = streamKeys.get(key);
        if (index === undefined) {
          index = allKeys.push(key); // Lua's KEYS count from 1
          streamKeys.set(key, index);
        }
        args.push(index);
      }
    }
    let replies: Array<number | string | null>;
    try {
      replies = await this.commands.ssCdrWrite(allKeys.length, ...allKeys, ...args);
    } catch (err) {
      for (const w of batch) w.settle.reject(err);
      return;
    }
    batch.forEach((w, i) => {
      const reply = replies[i];
      if (w.op === 'open') w.settle.resolve();
      else w.settle.resolve(typeof reply === 'string' ? reply : null);
    });
  }
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

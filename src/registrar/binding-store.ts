import type { Redis } from 'ioredis';
import { keys } from '../store/keys.js';
import type { Binding } from './binding.js';

/**
 * Bindings of every line in Redis, shared by all nodes. `reg:{sipId}` is a hash
 * of binding key -> JSON plus a version field; writers read, decide in plain
 * TypeScript (binding-rules.ts), then write with a compare-and-set on the
 * version, retrying when another node got there first.
 */
const VERSION_FIELD = '_v';
/** Keys outlive their last binding a little so a late refresh still sees the Call-ID/CSeq. */
const KEY_GRACE_MS = 1_000;

/** KEYS: reg hash, expiry zset. ARGV: expected version, key expiry (ms epoch, 0 = delete), member prefix, n sets, (field, json, expiresAt)*, n dels, field*. */
const COMPARE_AND_SET = `
local version = redis.call('HGET', KEYS[1], '${VERSION_FIELD}') or '0'
if version ~= ARGV[1] then return -1 end
local i = 5
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], ARGV[i + 2], ARGV[3] .. ARGV[i])
  i = i + 3
end
local dels = tonumber(ARGV[i]); i = i + 1
for _ = 1, dels do
  redis.call('HDEL', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[2], ARGV[3] .. ARGV[i])
  i = i + 1
end
if ARGV[2] == '0' then
  redis.call('DEL', KEYS[1])
  return 0
end
local next = tonumber(version) + 1
redis.call('HSET', KEYS[1], '${VERSION_FIELD}', next)
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return next`;

/**
 * KEYS: expiry zset. ARGV: now (ms), limit, key prefix. Removes due bindings
 * that were not refreshed meanwhile; returns {sipId, json} pairs so exactly one
 * node reports each expiry.
 */
const SWEEP = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, member in ipairs(due) do
  redis.call('ZREM', KEYS[1], member)
  local sep = string.find(member, '\\n', 1, true)
  local sipId = string.sub(member, 1, sep - 1)
  local field = string.sub(member, sep + 1)
  local hash = ARGV[3] .. 'reg:' .. sipId
  local json = redis.call('HGET', hash, field)
  if json and tonumber(cjson.decode(json).expiresAt) <= tonumber(ARGV[1]) then
    redis.call('HDEL', hash, field)
    if redis.call('HLEN', hash) <= 1 then redis.call('DEL', hash)
    else redis.call('HINCRBY', hash, '${VERSION_FIELD}', 1) end
    table.insert(out, sipId)
    table.insert(out, json)
  end
end
return out`;

export interface StoredBindings {
  version: string;
  /** Everything stored, expired entries included (the caller decides what is live). */
  bindings: Binding[];
}

interface BindingCommands {
  ssBindingsCas(hash: string, zset: string, ...args: Array<string | number>): Promise<number>;
  ssBindingsSweep(zset: string, now: number, limit: number, prefix: string): Promise<string[]>;
}

export class BindingStore {
  private readonly commands: BindingCommands;

  constructor(private readonly redis: Redis, private readonly keyPrefix: string) {
    redis.defineCommand('ssBindingsCas', { numberOfKeys: 2, lua: COMPARE_AND_SET });
    redis.defineCommand('ssBindingsSweep', { numberOfKeys: 1, lua: SWEEP });
    this.commands = redis as unknown as BindingCommands;
  }

  async load(sipId: string): Promise<StoredBindings> {
    const hash = await this.redis.hgetall(keys.bindings(sipId));
    const bindings: Binding[] = [];
    for (const [field, value] of Object.entries(hash)) {
      if (field === VERSION_FIELD) continue;
      try {
        bindings.push(JSON.parse(value) as Binding);
      } catch {
        // A damaged entry is dropped at the next write rather than blocking the line.
      }
    }
    return { version: hash[VERSION_FIELD] ?? '0', bindings };
  }

  /** Live bindings, best q first (RFC 3261 §16.6: higher q is tried first). */
  async live(sipId: string, now: number): Promise<Binding[]> {
    const { bindings } = await this.load(sipId);
    return bindings.filter((b) => b.expiresAt > now).sort((a, b) => (b.q ?? 1) - (a.q ?? 1));
  }

  /**
   * Replaces the stored set with `next` if nobody wrote since `read` was loaded.
   * Returns false on a conflict; the caller reloads and decides again.
   */
  async replace(sipId: string, read: StoredBindings, next: Binding[]): Promise<boolean> {
    const nextKeys = new Set(next.map((b) => b.key));
    const deletions = read.bindings.map((b) => b.key).filter((k) => !nextKeys.has(k));
    const latest = next.reduce((max, b) => Math.max(max, b.expiresAt), 0);
    const args: Array<string | number> = [read.version, next.length === 0 ? '0' : String(latest + KEY_GRACE_MS), `${sipId}\n`, next.length];
    for (const b of next) args.push(b.key, JSON.stringify(b), b.expiresAt);
    args.push(deletions.length, ...deletions);
    const result = await this.commands.ssBindingsCas(keys.bindings(sipId), keys.bindingExpiry, ...args);
    return result !== -1;
  }

  /** Removes bindings whose time is up; returns them so the caller can report each once. */
  async sweepExpired(now: number, limit = 500): Promise<Array<{ sipId: string; binding: Binding }>> {
    const flat = await this.commands.ssBindingsSweep(keys.bindingExpiry, now, limit, this.keyPrefix);
    const out: Array<{ sipId: string; binding: Binding }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      try {
        out.push({ sipId: flat[i]!, binding: JSON.parse(flat[i + 1]!) as Binding });
      } catch {
        // nothing to report for an unreadable entry
      }
    }
    return out;
  }
}

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from '../../store/keys.js';
import { parseStoredJson } from '../../store/json.js';
import type { Actor } from './roles.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** Three wrong passwords lock an account for 15 minutes (spec §6). */
export const MAX_FAILURES = 3;
export const LOCK_MS = 15 * 60_000;

export interface AccountRecord extends Actor {
  passwordHash: string;
  /** Renewed by every password change; tokens carry it, so older tokens stop working. */
  tokenGeneration: string;
}

export type LoginResult =
  | { ok: true; actor: Actor; tokenGeneration: string }
  | { ok: false; why: 'wrong password' | 'unknown account' }
  | { ok: false; why: 'locked'; until: number };

/**
 * Failure counting and the lock, each one atomic script so parallel logins
 * on any number of nodes count every failure (no read-modify-write).
 * KEYS: failures counter, lock (value: locked until, ms). ARGV: now, lock ms, max failures.
 * Returns the lock's end (ms) when locked, else 0. A failure while locked is not counted.
 */
const FAIL = `
local untilMs = tonumber(redis.call('GET', KEYS[2]) or '0')
local now = tonumber(ARGV[1])
if untilMs > now then return untilMs end
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if n >= tonumber(ARGV[3]) then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], now + tonumber(ARGV[2]), 'PX', ARGV[2])
  return now + tonumber(ARGV[2])
end
return 0`;

/** The right password: refused if a parallel failure locked meanwhile, else the count is forgotten. Same KEYS/ARGV. */
const SUCCEED = `
local untilMs = tonumber(redis.call('GET', KEYS[2]) or '0')
if untilMs > tonumber(ARGV[1]) then return untilMs end
redis.call('DEL', KEYS[1])
return 0`;

/** Replaces the hash and the token generation of an account that exists, in place. */
const SET_PASSWORD = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local r = cjson.decode(raw)
r.passwordHash = ARGV[1]
r.tokenGeneration = ARGV[2]
r.failures = nil
r.lockedUntil = nil
redis.call('SET', KEYS[1], cjson.encode(r))
return 1`;

/**
 * Management accounts in Redis (`acct:{name}` JSON, `accts` index; failures
 * and locks in `acctfail:{name}` / `acctlock:{name}`, kept for any name,
 * known or not, so a lock does not reveal which accounts exist).
 */
export class AccountStore {
  constructor(private readonly redis: Redis, private readonly now: () => number) {}

  async get(name: string): Promise<AccountRecord | null> {
    return parseStoredJson<AccountRecord>(await this.redis.get(keys.account(name)));
  }

  async list(): Promise<Actor[]> {
    const names = (await this.redis.smembers(keys.accountIndex)).sort();
    const records = await Promise.all(names.map((n) => this.get(n)));
    return records.filter((r): r is AccountRecord => r !== null).map(toActor);
  }

  /** Creates an account; false (and nothing changed) when the name is taken. The caller has checked the policy. */
  async create(actor: Actor, password: string): Promise<boolean> {
    const record: AccountRecord = { ...toActor(actor), passwordHash: await hashPassword(password), tokenGeneration: newGeneration() };
    const replies = await this.redis.multi().set(keys.account(actor.name), JSON.stringify(record), 'NX').sadd(keys.accountIndex, actor.name).exec();
    return replies?.[0]?.[1] === 'OK';
  }

  /**
   * The configured operator at start: created, or made an operator with the
   * configured password. Its tokens survive a restart unless the password changed.
   */
  async ensureOperator(name: string, password: string): Promise<'created' | 'updated' | 'unchanged'> {
    const current = await this.get(name);
    if (current?.role === 'operator' && current.tokenGeneration && await verifyPassword(password, current.passwordHash)) return 'unchanged';
    const record: AccountRecord = { name, role: 'operator', passwordHash: await hashPassword(password), tokenGeneration: newGeneration() };
    await this.redis.multi().set(keys.account(name), JSON.stringify(record)).sadd(keys.accountIndex, name).exec();
    return current ? 'updated' : 'created';
  }

  /** A new password and a new token generation (every token issued before stops working); false if no such account. */
  async setPassword(name: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    return (await this.redis.eval(SET_PASSWORD, 1, keys.account(name), hash, newGeneration())) === 1;
  }

  async remove(name: string): Promise<boolean> {
    const replies = await this.redis.multi().del(keys.account(name)).srem(keys.accountIndex, name)
      .del(keys.accountFailures(name), keys.accountLock(name)).exec();
    return replies?.[0]?.[1] === 1;
  }

  /** Lifts a lock and forgets the failures. */
  async unlock(name: string): Promise<void> {
    await this.redis.del(keys.accountFailures(name), keys.accountLock(name));
  }

  /** Until when (ms) the name is locked; 0 when not. */
  async lockedUntil(name: string): Promise<number> {
    const until = Number(await this.redis.get(keys.accountLock(name)) ?? 0);
    return until > this.now() ? until : 0;
  }

  /**
   * Checks a password, counting failures and locking after the third. An
   * unknown name goes the same way (one scrypt against a dummy hash, failures
   * counted, locked alike), so neither the answer nor its time tells it apart.
   */
  async login(name: string, password: string): Promise<LoginResult> {
    const [record, until] = await Promise.all([this.get(name), this.lockedUntil(name)]);
    if (until) return { ok: false, why: 'locked', until };
    const matches = await verifyPassword(password, record?.passwordHash ?? DUMMY_HASH);
    const script = matches && record ? SUCCEED : FAIL;
    const lockedNow = Number(await this.redis.eval(script, 2, keys.accountFailures(name), keys.accountLock(name), this.now(), LOCK_MS, MAX_FAILURES));
    if (lockedNow) return { ok: false, why: 'locked', until: lockedNow };
    if (matches && record) return { ok: true, actor: toActor(record), tokenGeneration: record.tokenGeneration ?? '' };
    return { ok: false, why: record ? 'wrong password' : 'unknown account' };
  }
}

export function toActor(r: Actor): Actor {
  return {
    name: r.name, role: r.role,
    ...(r.voiceGroupId ? { voiceGroupId: r.voiceGroupId } : {}),
    ...(r.siteId ? { siteId: r.siteId } : {}),
    ...(r.number ? { number: r.number } : {}),
  };
}

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}

/** A valid hash of no password: verifying against it costs what a real check costs. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { keys } from './keys.js';
import { parseAccount } from './schemas.js';
import { defineScript } from './lua-scripts.js';
import type { Actor } from '../api/accounts/roles.js';
import type { Rights } from '../auth/account-roles.js';
import { hashPassword, verifyPassword } from '../auth/account-passwords.js';

/** Three wrong passwords lock an account for 15 minutes (docs/product.md §6). */
export const MAX_FAILURES = 3;
export const LOCK_MS = 15 * 60_000;

export interface AccountRecord extends Actor {
  passwordHash: string;
  /** Renewed by every password change; tokens carry it, so older tokens stop working. */
  tokenGeneration: string;
}

export type LoginResult =
  { ok: true; actor: Actor; tokenGeneration: string } | { ok: false; why: 'wrong password' | 'unknown account' } | { ok: false; why: 'locked'; until: number };

/**
 * Failure counting and the lock, each one atomic script (lua/login-fail.lua,
 * lua/login-succeed.lua) so parallel logins on any number of nodes count every
 * failure (no read-modify-write). Both keys carry the `{acct}` hash tag.
 */
interface AccountCommands {
  ssLoginFail(failures: string, lock: string, now: number, lockMs: number, max: number): Promise<number>;
  ssLoginSucceed(failures: string, lock: string, now: number, lockMs: number, max: number): Promise<number>;
  ssSetPassword(account: string, hash: string, generation: string): Promise<number>;
  ssSetRights(account: string, rights: string): Promise<number>;
}

/**
 * Management accounts in Redis (`acct:{name}` JSON, `accts` index; failures
 * and locks in `acctfail:{name}` / `acctlock:{name}`, kept for any name,
 * known or not, so a lock does not reveal which accounts exist).
 */
export class AccountStore {
  private readonly commands: AccountCommands;

  constructor(
    private readonly redis: Redis,
    private readonly now: () => number,
  ) {
    defineScript(redis, 'ssLoginFail', 'login-fail', 2);
    defineScript(redis, 'ssLoginSucceed', 'login-succeed', 2);
    defineScript(redis, 'ssSetPassword', 'account-set-password', 1);
    defineScript(redis, 'ssSetRights', 'account-set-rights', 1);
    this.commands = redis as unknown as AccountCommands;
  }

  async get(name: string): Promise<AccountRecord | null> {
    return parseAccount(await this.redis.get(keys.account(name))) as AccountRecord | null;
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
    if (current?.role === 'operator' && current.tokenGeneration && (await verifyPassword(password, current.passwordHash))) return 'unchanged';
    const record: AccountRecord = { name, role: 'operator', passwordHash: await hashPassword(password), tokenGeneration: newGeneration() };
    await this.redis.multi().set(keys.account(name), JSON.stringify(record)).sadd(keys.accountIndex, name).exec();
    return current ? 'updated' : 'created';
  }

  /** A new password and a new token generation (every token issued before stops working); false if no such account. */
  async setPassword(name: string, password: string): Promise<boolean> {
    const hash = await hashPassword(password);
    return (await this.commands.ssSetPassword(keys.account(name), hash, newGeneration())) === 1;
  }

  /** Replaces the account's rights in place (the caller has checked the policy); false if no such account. */
  async setRights(name: string, rights: Rights): Promise<boolean> {
    return (await this.commands.ssSetRights(keys.account(name), JSON.stringify(rights))) === 1;
  }

  async remove(name: string): Promise<boolean> {
    const replies = await this.redis
      .multi()
      .del(keys.account(name))
      .srem(keys.accountIndex, name)
      .del(keys.accountFailures(name), keys.accountLock(name))
      .exec();
    return replies?.[0]?.[1] === 1;
  }

  /** Lifts a lock and forgets the failures. */
  async unlock(name: string): Promise<void> {
    await this.redis.del(keys.accountFailures(name), keys.accountLock(name));
  }

  /** Until when (ms) the name is locked; 0 when not. */
  async lockedUntil(name: string): Promise<number> {
    const until = Number((await this.redis.get(keys.accountLock(name))) ?? 0);
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
    const args = [keys.accountFailures(name), keys.accountLock(name), this.now(), LOCK_MS, MAX_FAILURES] as const;
    const lockedNow = Number(await (matches && record ? this.commands.ssLoginSucceed(...args) : this.commands.ssLoginFail(...args)));
    if (lockedNow) return { ok: false, why: 'locked', until: lockedNow };
    if (matches && record) return { ok: true, actor: toActor(record), tokenGeneration: record.tokenGeneration ?? '' };
    return { ok: false, why: record ? 'wrong password' : 'unknown account' };
  }
}

export function toActor(r: Actor): Actor {
  const rights = Object.fromEntries(Object.entries(r.rights ?? {}).filter(([, v]) => v !== undefined)) as Rights;
  return {
    name: r.name,
    role: r.role,
    ...(r.voiceGroupId ? { voiceGroupId: r.voiceGroupId } : {}),
    ...(r.siteId ? { siteId: r.siteId } : {}),
    ...(r.number ? { number: r.number } : {}),
    ...(Object.keys(rights).length ? { rights } : {}),
  };
}

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}

/** A valid hash of no password: verifying against it costs what a real check costs. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

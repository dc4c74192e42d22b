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
  failures: number;
  /** ms since the epoch; 0 when not locked. */
  lockedUntil: number;
}

export type LoginResult =
  | { ok: true; actor: Actor }
  | { ok: false; why: 'wrong password' | 'unknown account'; }
  | { ok: false; why: 'locked'; until: number };

/** Management accounts in Redis (`acct:{name}` JSON, `accts` index). */
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

  /** Creates or replaces an account with a new password (the caller has checked the policy). */
  async put(actor: Actor, password: string): Promise<void> {
    const record: AccountRecord = { ...actor, passwordHash: await hashPassword(password), failures: 0, lockedUntil: 0 };
    await this.redis.multi().set(keys.account(actor.name), JSON.stringify(record)).sadd(keys.accountIndex, actor.name).exec();
  }

  async remove(name: string): Promise<boolean> {
    const [[, removed] = [null, 0]] = (await this.redis.multi().del(keys.account(name)).srem(keys.accountIndex, name).exec()) ?? [];
    return removed === 1;
  }

  /** Checks a password, counting failures and locking after the third. An unknown name costs a hash too. */
  async login(name: string, password: string): Promise<LoginResult> {
    const record = await this.get(name);
    if (!record) {
      await verifyPassword(password, DUMMY_HASH);
      return { ok: false, why: 'unknown account' };
    }
    const now = this.now();
    if (record.lockedUntil > now) return { ok: false, why: 'locked', until: record.lockedUntil };
    if (await verifyPassword(password, record.passwordHash)) {
      if (record.failures > 0 || record.lockedUntil > 0) await this.save({ ...record, failures: 0, lockedUntil: 0 });
      return { ok: true, actor: toActor(record) };
    }
    const failures = (record.lockedUntil > 0 ? 0 : record.failures) + 1;
    const lockedUntil = failures >= MAX_FAILURES ? now + LOCK_MS : 0;
    await this.save({ ...record, failures: lockedUntil ? 0 : failures, lockedUntil });
    return lockedUntil ? { ok: false, why: 'locked', until: lockedUntil } : { ok: false, why: 'wrong password' };
  }

  private async save(record: AccountRecord): Promise<void> {
    await this.redis.set(keys.account(record.name), JSON.stringify(record));
  }
}

function toActor(r: AccountRecord): Actor {
  return {
    name: r.name, role: r.role,
    ...(r.voiceGroupId ? { voiceGroupId: r.voiceGroupId } : {}),
    ...(r.siteId ? { siteId: r.siteId } : {}),
    ...(r.number ? { number: r.number } : {}),
  };
}

/** A valid hash of a random password: verifying against it costs what a real check costs. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

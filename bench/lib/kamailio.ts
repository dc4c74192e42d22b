import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startManaged, stopManaged, runBounded, type Managed } from './proc.js';
import { waitForSip } from './sip-probe.js';
import { md5Ha1, type BenchUser } from './users.js';

export const KAMAILIO_BIN = '/usr/sbin/kamailio';

/** Where db_redis finds its table schemas (Debian's kamailio-redis-modules). */
export const DB_REDIS_SCHEMA_DIR = '/usr/share/kamailio/db_redis/kamailio';
const DB_REDIS_MODULES = ['x86_64-linux-gnu', 'aarch64-linux-gnu'].map((arch) => `/usr/lib/${arch}/kamailio/modules/db_redis.so`);
/** The usrloc table version Kamailio 5.6 checks (second line of the schema's location file). */
export const LOCATION_TABLE_VERSION = 9;

export interface KamailioParams {
  port: number;
  realm: string;
  dbDir: string;
  children: number;
  /** usrloc written through to this Redis (db_redis, db_mode 1); in memory only (db_mode 0) when not given. */
  usrlocRedisUrl?: string;
}

/**
 * The usrloc settings. Write-through (db_mode 1) saves every binding change to
 * Redis as it happens, the durability the softswitch has, and still answers
 * lookups from memory. db_redis keys a contact by its ruid and keeps a
 * username mapping and the expiry mapping its README gives for usrloc.
 */
export function usrlocBlock(redisUrl: string | undefined): string {
  if (redisUrl === undefined) return 'modparam("usrloc", "db_mode", 0)';
  return [
    'loadmodule "db_redis.so"',
    `modparam("db_redis", "schema_path", "${DB_REDIS_SCHEMA_DIR}")`,
    'modparam("db_redis", "keys", "version=entry:table_name")',
    // usrloc runs without use_domain here, so it looks contacts up by username alone: the mapping
    // is keyed by username (the README's username,domain mapping would make every query a full scan).
    'modparam("db_redis", "keys", "location=entry:ruid&usrdom:username&timer:partition,keepalive")',
    'modparam("db_redis", "verbosity", 0)',
    `modparam("usrloc", "db_url", "${redisUrl}")`,
    'modparam("usrloc", "db_mode", 1)',
  ].join('\n');
}

/** Fills the bench/kamailio/kamailio.cfg template. */
export function renderKamailioConfig(template: string, p: KamailioParams): string {
  const out = template
    .replaceAll('__PORT__', String(p.port))
    .replaceAll('__REALM__', p.realm)
    .replaceAll('__DB_URL__', `text://${p.dbDir}`)
    .replaceAll('__CHILDREN__', String(p.children))
    .replaceAll('__USRLOC__', usrlocBlock(p.usrlocRedisUrl));
  const left = /__[A-Z_]+__/.exec(out);
  if (left) throw new Error(`kamailio.cfg: placeholder ${left[0]} not filled`);
  return out;
}

/**
 * db_text tables for auth_db: `version` and `subscriber` with HA1 only
 * (password column empty, calculate_ha1 off). Column layout is Kamailio 5.6's
 * subscriber schema, version 7; empty fields must be declared nullable.
 */
export function dbTextTables(users: BenchUser[], realm: string): { version: string; subscriber: string } {
  const version = 'id(int,auto) table_name(string) table_version(int) \n0:subscriber:7\n';
  const head = 'id(int,auto) username(string) domain(string) password(string,null) ha1(string) ha1b(string,null) \n';
  const rows = users.map((u, i) => `${i + 1}:${u.sipId}:${realm}::${md5Ha1(u.sipId, realm, u.password)}:\n`);
  return { version, subscriber: head + rows.join('') };
}

export interface KamailioHandle {
  port: number;
  proc: Managed;
  stop(): Promise<void>;
}

/** Writes cfg + tables into workDir/kamailio, validates with -c, runs in the foreground. */
export async function startKamailio(opts: {
  template: string;
  workDir: string;
  port: number;
  realm: string;
  users: BenchUser[];
  children: number;
  /** Shared memory in MB (-m); transactions live there. 128 when not given. */
  shmMb?: number;
  /** Write usrloc through to this Redis (its `version` row is written first). */
  usrlocRedisUrl?: string;
}): Promise<KamailioHandle> {
  if (opts.usrlocRedisUrl !== undefined) await writeLocationVersion(opts.usrlocRedisUrl);
  const dir = join(opts.workDir, 'kamailio');
  const dbDir = join(dir, 'db');
  await mkdir(dbDir, { recursive: true });
  const tables = dbTextTables(opts.users, opts.realm);
  await writeFile(join(dbDir, 'version'), tables.version);
  await writeFile(join(dbDir, 'subscriber'), tables.subscriber);
  const cfgFile = join(dir, 'kamailio.cfg');
  await writeFile(
    cfgFile,
    renderKamailioConfig(opts.template, {
      port: opts.port,
      realm: opts.realm,
      dbDir,
      children: opts.children,
      ...(opts.usrlocRedisUrl !== undefined ? { usrlocRedisUrl: opts.usrlocRedisUrl } : {}),
    }),
  );

  const check = await runBounded(KAMAILIO_BIN, ['-c', '-f', cfgFile], { hardLimitMs: 15000 });
  if (check.code !== 0) throw new Error(`kamailio -c rejected the config:\n${check.stderr}`);

  // -DD: stay in the foreground but fork workers; -E: log to stderr; -Y: runtime dir in the temp dir.
  const args = ['-DD', '-E', '-f', cfgFile, '-Y', dir, '-w', dir, '-m', String(opts.shmMb ?? 128), '-M', '16'];
  const proc = startManaged('kamailio', KAMAILIO_BIN, args, { cwd: dir, role: 'target' });
  let dead = false;
  void proc.exited.then(() => {
    dead = true;
  });
  const up = await waitForSip('127.0.0.1', opts.port, 15000, () => dead);
  if (!up) {
    await stopManaged(proc);
    throw new Error(`kamailio did not answer OPTIONS on 127.0.0.1:${opts.port}\n${proc.stderr.text()}`);
  }
  return { port: opts.port, proc, stop: () => stopManaged(proc) };
}

/** usrloc refuses to start unless the `version` table names its table version (db_redis key version:entry::location). */
async function writeLocationVersion(redisUrl: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.hset('version:entry::location', { table_name: 'location', table_version: String(LOCATION_TABLE_VERSION) });
  } finally {
    redis.disconnect();
  }
}

/** "kamailio 5.6.3", from kamailio -v. */
export async function kamailioVersion(): Promise<string> {
  const r = await runBounded(KAMAILIO_BIN, ['-v'], { hardLimitMs: 5000 });
  return /version: (\S+ \S+)/.exec(r.stdout)?.[1] ?? 'kamailio';
}

/** Whether db_redis is installed (setup --bench installs kamailio-redis-modules). */
export function dbRedisMissing(): string | undefined {
  if (!DB_REDIS_MODULES.some((f) => existsSync(f))) return 'db_redis.so not found (apt-get install kamailio-redis-modules)';
  if (!existsSync(join(DB_REDIS_SCHEMA_DIR, 'location'))) return `${DB_REDIS_SCHEMA_DIR}/location not found`;
  return undefined;
}

/** A config template from bench/kamailio/ (kamailio.cfg for REGISTER, kamailio-calls.cfg for calls). */
export async function readKamailioTemplate(root: string, name = 'kamailio.cfg'): Promise<string> {
  return readFile(join(root, 'bench', 'kamailio', name), 'utf8');
}

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startManaged, stopManaged, runBounded, type Managed } from './proc.js';
import { waitForSip } from './sip-probe.js';
import { md5Ha1, type BenchUser } from './users.js';

export const KAMAILIO_BIN = '/usr/sbin/kamailio';

export interface KamailioParams {
  port: number;
  realm: string;
  dbDir: string;
  children: number;
}

/** Fills the bench/kamailio/kamailio.cfg template. */
export function renderKamailioConfig(template: string, p: KamailioParams): string {
  const out = template
    .replaceAll('__PORT__', String(p.port))
    .replaceAll('__REALM__', p.realm)
    .replaceAll('__DB_URL__', `text://${p.dbDir}`)
    .replaceAll('__CHILDREN__', String(p.children));
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
}): Promise<KamailioHandle> {
  const dir = join(opts.workDir, 'kamailio');
  const dbDir = join(dir, 'db');
  await mkdir(dbDir, { recursive: true });
  const tables = dbTextTables(opts.users, opts.realm);
  await writeFile(join(dbDir, 'version'), tables.version);
  await writeFile(join(dbDir, 'subscriber'), tables.subscriber);
  const cfgFile = join(dir, 'kamailio.cfg');
  await writeFile(cfgFile, renderKamailioConfig(opts.template, { port: opts.port, realm: opts.realm, dbDir, children: opts.children }));

  const check = await runBounded(KAMAILIO_BIN, ['-c', '-f', cfgFile], { hardLimitMs: 15000 });
  if (check.code !== 0) throw new Error(`kamailio -c rejected the config:\n${check.stderr}`);

  // -DD: stay in the foreground but fork workers; -E: log to stderr; -Y: runtime dir in the temp dir.
  const args = ['-DD', '-E', '-f', cfgFile, '-Y', dir, '-w', dir, '-m', String(opts.shmMb ?? 128), '-M', '16'];
  const proc = startManaged('kamailio', KAMAILIO_BIN, args, { cwd: dir });
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

/** A config template from bench/kamailio/ (kamailio.cfg for REGISTER, kamailio-calls.cfg for calls). */
export async function readKamailioTemplate(root: string, name = 'kamailio.cfg'): Promise<string> {
  return readFile(join(root, 'bench', 'kamailio', name), 'utf8');
}

import { createHash } from 'node:crypto';

/** A bench subscriber: SIP-ID, password and basic number, all synthetic. */
export interface BenchUser {
  sipId: string;
  password: string;
  basicNumber: string;
}

/** Most users a bench makes (bench:scale provisions 100,000). */
export const MAX_USERS = 200_000;

/** N deterministic users u0001.., numbers 0390000001.. (national format, unique). */
export function makeUsers(n: number): BenchUser[] {
  if (!Number.isInteger(n) || n < 1 || n > MAX_USERS) throw new Error(`users must be 1..${MAX_USERS}, got ${n}`);
  const width = Math.max(4, String(n).length);
  return Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(width, '0');
    return {
      sipId: `u${k}`,
      password: `pw-${k}-secret`,
      basicNumber: `039${String(i + 1).padStart(7, '0')}`,
    };
  });
}

/** The Contact port of the k-th bench user (0-based) in multi-socket mode: its own, fixed from one registration to the next. */
export function contactPort(k: number): number {
  return 10000 + (k % 50000);
}

/**
 * The loopback address of the k-th bench user (0-based) in trunks mode: its
 * own, fixed from one registration to the next. 127.1.0.1 onwards, 254
 * addresses per /24 (no .0 or .255), so 200,000 lines stay within
 * 127.1.0.0-127.4.255.255: inside 127.0.0.0/8, never 127.0.0.x (the targets'
 * 127.0.0.1). Linux answers every 127/8 address on lo without configuration.
 */
export function trunkAddress(k: number): string {
  if (!Number.isInteger(k) || k < 0 || k >= MAX_USERS) throw new Error(`trunk index must be 0..${MAX_USERS - 1}, got ${k}`);
  const block = Math.floor(k / 254);
  return `127.${1 + Math.floor(block / 256)}.${block % 256}.${(k % 254) + 1}`;
}

/** A trunk's fixed source: the local address SIPp binds for it and the port (the same for every trunk of a SIPp process). */
export interface TrunkSource {
  address: string;
  port: number;
}

/**
 * SIPp injection file: user;password;domain for test/sipp/register-auth.xml,
 * plus each line's Contact port for test/sipp/bench-register-many.xml, or
 * each line's source address and port for test/sipp/bench-register-trunks.xml.
 */
export function sippUsersCsv(
  users: BenchUser[],
  domain: string,
  opts: { order?: 'SEQUENTIAL' | 'RANDOM'; contactPorts?: number[]; trunkSources?: TrunkSource[] } = {},
): string {
  const extra = (k: number): string => {
    if (opts.trunkSources) {
      const src = opts.trunkSources[k];
      if (!src) throw new Error(`no trunk source for row ${k}`);
      return `;${src.address};${src.port}`;
    }
    return opts.contactPorts ? `;${opts.contactPorts[k]}` : '';
  };
  const row = (u: BenchUser, k: number): string => `${u.sipId};${u.password};${domain}${extra(k)}`;
  return [opts.order ?? 'SEQUENTIAL', ...users.map(row)].join('\n') + '\n';
}

/** RFC 2617 HA1 = MD5(user:realm:password), hex. */
export function md5Ha1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

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
 * SIPp injection file: user;password;domain for test/sipp/register-auth.xml,
 * plus each line's Contact port for test/sipp/bench-register-many.xml.
 */
export function sippUsersCsv(users: BenchUser[], domain: string, opts: { order?: 'SEQUENTIAL' | 'RANDOM'; contactPorts?: number[] } = {}): string {
  const row = (u: BenchUser, k: number): string => `${u.sipId};${u.password};${domain}${opts.contactPorts ? `;${opts.contactPorts[k]}` : ''}`;
  return [opts.order ?? 'SEQUENTIAL', ...users.map(row)].join('\n') + '\n';
}

/** RFC 2617 HA1 = MD5(user:realm:password), hex. */
export function md5Ha1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

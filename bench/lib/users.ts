import { createHash } from 'node:crypto';

/** A bench subscriber: SIP-ID, password and basic number, all synthetic. */
export interface BenchUser {
  sipId: string;
  password: string;
  basicNumber: string;
}

/** N deterministic users u0001.., numbers 0390000001.. (national format, unique). */
export function makeUsers(n: number): BenchUser[] {
  if (!Number.isInteger(n) || n < 1 || n > 99999) throw new Error(`users must be 1..99999, got ${n}`);
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

/** SIPp injection file for test/sipp/register-auth.xml: user;password;domain. */
export function sippUsersCsv(users: BenchUser[], domain: string, order: 'SEQUENTIAL' | 'RANDOM' = 'SEQUENTIAL'): string {
  return [order, ...users.map((u) => `${u.sipId};${u.password};${domain}`)].join('\n') + '\n';
}

/** RFC 2617 HA1 = MD5(user:realm:password), hex. */
export function md5Ha1(user: string, realm: string, password: string): string {
  return createHash('md5').update(`${user}:${realm}:${password}`).digest('hex');
}

import { z } from 'zod';
import { isNationalNumber, normalizeNumber } from '../numbers/national.js';
import { canonicalIp } from '../store/line-store.js';

/** Building blocks shared by the provisioning schemas. */

/** Refused input; `issues` names every bad field by its path. */
export class ProvisioningError extends Error {
  readonly issues: string[];
  constructor(issues: string[]) {
    super(`invalid provisioning:\n  ${issues.join('\n  ')}`);
    this.name = 'ProvisioningError';
    this.issues = issues;
  }
}

/** YAML reads an unquoted 0612345678 as the integer 612345678: say so rather than "expected string". */
export const quotedString = (what: string) =>
  z.string({ error: (iss) => (typeof iss.input === 'number' ? `must be a quoted string (${what}; unquoted, YAML reads it as a number)` : `must be ${what}`) });

export const telNumber = quotedString('a national number').transform((s, ctx) => {
  const n = normalizeNumber(s);
  if (n === null || !isNationalNumber(n)) {
    ctx.addIssue({ code: 'custom', message: 'not a national number (0 + 9 or 10 digits)', input: s });
    return z.NEVER;
  }
  return n;
});

export const ipAddress = z.string({ error: 'must be an IP address' }).transform((s, ctx) => {
  if (s.includes('/')) {
    ctx.addIssue({ code: 'custom', message: 'must be a single host address (CIDR ranges are not allowed)', input: s });
    return z.NEVER;
  }
  const ip = canonicalIp(s);
  if (ip === null) {
    ctx.addIssue({ code: 'custom', message: 'not an IPv4 or IPv6 address', input: s });
    return z.NEVER;
  }
  return ip;
});

export const hex = (len: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), { error: `must be ${len} hex digits` })
    .transform((s) => s.toLowerCase());

export const bool = z.boolean({ error: 'must be true or false' });

export const SIP_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Ids of voice groups, hunt groups, bulk groups. */
export const shortId = z
  .string({ error: 'must be 1-32 characters of A-Z a-z 0-9 . _ -' })
  .regex(/^[A-Za-z0-9._-]{1,32}$/, { error: 'must be 1-32 characters of A-Z a-z 0-9 . _ -' });

export const displayName = z.string({ error: 'must be a name' }).min(1, { error: 'must not be empty' }).max(200, { error: 'at most 200 characters' });

/** Cross-checks read the (possibly invalid) input defensively. */
export function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined;
}

export function items(a: unknown): unknown[] {
  return Array.isArray(a) ? a : [];
}

export function entries(o: unknown): Array<[string, unknown]> {
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? Object.entries(o as Record<string, unknown>) : [];
}

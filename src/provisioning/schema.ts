import { z } from 'zod';
import { formatIssues, formatPath, intBetween } from '../config/schema.js';
import { isNationalNumber, normalizeNumber } from '../numbers/national.js';
import { canonicalIp } from '../store/line-store.js';

/**
 * The provisioning file: voice groups > sites > lines (with their numbers).
 * Strict objects: an unknown key is refused. Numbers are normalised to the
 * national form and addresses to their canonical text while validating.
 */

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
const quotedString = (what: string) =>
  z.string({ error: (iss) => (typeof iss.input === 'number' ? `must be a quoted string (${what}; unquoted, YAML reads it as a number)` : `must be ${what}`) });

const telNumber = quotedString('a national number').transform((s, ctx) => {
  const n = normalizeNumber(s);
  if (n === null || !isNationalNumber(n)) {
    ctx.addIssue({ code: 'custom', message: 'not a national number (0 + 9 or 10 digits)', input: s });
    return z.NEVER;
  }
  return n;
});

const ipAddress = z.string({ error: 'must be an IP address' }).transform((s, ctx) => {
  const ip = canonicalIp(s);
  if (ip === null) {
    ctx.addIssue({ code: 'custom', message: 'not an IPv4 or IPv6 address', input: s });
    return z.NEVER;
  }
  return ip;
});

const hex = (len: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${len}}$`), { error: `must be ${len} hex digits` })
  .transform((s) => s.toLowerCase());

export const SIP_ID = /^[A-Za-z0-9._-]{1,64}$/;

const lineSchema = z.strictObject({
  sipId: z.string().regex(SIP_ID, { error: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' }),
  auth: z.enum(['digest', 'ip'], { error: 'must be digest or ip' }),
  password: z.string().min(8, { error: 'must be 8-128 characters' }).max(128, { error: 'must be 8-128 characters' })
    .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' }).optional(),
  ha1Md5: hex(32).optional(),
  ha1Sha256: hex(64).optional(),
  allowedAddresses: z.array(ipAddress).optional(),
  channels: intBetween(1, 1000),
  basicNumber: telNumber,
  dialInNumbers: z.array(telNumber).max(10000, { error: 'at most 10000 numbers' }).default([]),
}).superRefine((line, ctx) => {
  // Runs even when other fields of the line are invalid, so every problem is reported at once.
  const add = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
  if (line.auth !== 'digest' && line.auth !== 'ip') return;
  if (line.auth === 'digest') {
    const ha1 = line.ha1Md5 !== undefined || line.ha1Sha256 !== undefined;
    if (line.password !== undefined && ha1) add('password', 'give either password or ha1Md5 + ha1Sha256, not both');
    else if (line.password === undefined && !ha1) add('password', 'is required for auth: digest (or ha1Md5 + ha1Sha256)');
    else if (ha1 && line.ha1Md5 === undefined) add('ha1Md5', 'is required with ha1Sha256');
    else if (ha1 && line.ha1Sha256 === undefined) add('ha1Sha256', 'is required with ha1Md5');
    if (line.allowedAddresses !== undefined) add('allowedAddresses', 'only allowed with auth: ip');
  } else {
    if (line.password !== undefined) add('password', 'not allowed with auth: ip');
    if (line.ha1Md5 !== undefined) add('ha1Md5', 'not allowed with auth: ip');
    if (line.ha1Sha256 !== undefined) add('ha1Sha256', 'not allowed with auth: ip');
    const a: unknown = line.allowedAddresses;
    if (a === undefined || (Array.isArray(a) && a.length === 0)) add('allowedAddresses', 'is required for auth: ip (at least one address)');
  }
}, { when: () => true });

const siteSchema = z.strictObject({
  id: quotedString('a 7-digit site id').regex(/^\d{7}$/, { error: 'must be a 7-digit site id' }),
  name: z.string().min(1, { error: 'must not be empty' }).max(200, { error: 'at most 200 characters' }),
  lines: z.array(lineSchema).default([]),
});

const voiceGroupSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, { error: 'must be 1-32 characters of A-Z a-z 0-9 . _ -' }),
  name: z.string().min(1, { error: 'must not be empty' }).max(200, { error: 'at most 200 characters' }),
  sites: z.array(siteSchema).default([]),
});

export const provisioningSchema = z.strictObject({
  voiceGroups: z.array(voiceGroupSchema),
}).superRefine(crossCheck, { when: () => true });

/**
 * One owner per id, SIP-ID, number and trusted address across the whole file.
 * Runs even when some fields are invalid (so every problem is reported at
 * once), hence it reads the value defensively.
 */
function crossCheck(file: unknown, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const once = (kind: string, value: unknown, path: Array<string | number>, label: string, norm: (s: string) => string | null) => {
    if (typeof value !== 'string') return;
    const v = norm(value);
    if (v === null) return; // reported as invalid by the field itself
    const key = `${kind}\n${v}`;
    const first = seen.get(key);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path, message: `duplicate ${label} ${v} (also at ${first})` });
    else seen.set(key, formatPath(path));
  };
  const same = (s: string) => s;
  items(field(file, 'voiceGroups')).forEach((vg, g) => {
    once('vg', field(vg, 'id'), ['voiceGroups', g, 'id'], 'voice group id', same);
    items(field(vg, 'sites')).forEach((site, s) => {
      const sp = ['voiceGroups', g, 'sites', s];
      once('site', field(site, 'id'), [...sp, 'id'], 'site id', same);
      items(field(site, 'lines')).forEach((line, l) => {
        const lp = [...sp, 'lines', l];
        once('sipId', field(line, 'sipId'), [...lp, 'sipId'], 'SIP-ID', same);
        once('num', field(line, 'basicNumber'), [...lp, 'basicNumber'], 'number', normalizeNumber);
        items(field(line, 'dialInNumbers')).forEach((n, i) => once('num', n, [...lp, 'dialInNumbers', i], 'number', normalizeNumber));
        items(field(line, 'allowedAddresses')).forEach((a, i) => once('ip', a, [...lp, 'allowedAddresses', i], 'allowed address', canonicalIp));
      });
    });
  });
}

function field(o: unknown, key: string): unknown {
  return o !== null && typeof o === 'object' && !Array.isArray(o) ? (o as Record<string, unknown>)[key] : undefined;
}

function items(a: unknown): unknown[] {
  return Array.isArray(a) ? a : [];
}

export type ProvisioningFile = z.infer<typeof provisioningSchema>;
export type ProvisionedVoiceGroup = ProvisioningFile['voiceGroups'][number];
export type ProvisionedSite = ProvisionedVoiceGroup['sites'][number];
export type ProvisionedLine = ProvisionedSite['lines'][number];

/** Validate a parsed file; throws ProvisioningError naming every bad field. */
export function parseProvisioning(input: unknown): ProvisioningFile {
  const r = provisioningSchema.safeParse(input, { reportInput: true });
  if (!r.success) throw new ProvisioningError(formatIssues(r.error.issues));
  return r.data;
}

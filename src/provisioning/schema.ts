import { z } from 'zod';
import { formatIssues, formatPath, intBetween } from '../config/schema.js';
import { isNationalNumber, normalizeNumber } from '../numbers/national.js';
import { canonicalIp } from '../store/line-store.js';
import { displayName, entries, field, hex, ipAddress, items, ProvisioningError, quotedString, shortId, SIP_ID, telNumber } from './schema-common.js';
import { checkDestinations, featuresSchema } from './schema-features.js';
import { bulkGroupSchema, huntGroupSchema } from './schema-groups.js';
import { routeTargetSchema, routingSchema } from './schema-routing.js';
import { checkOptionKeys, optionsSchema } from './schema-options.js';
import { trustedAddressProblem, type TrustedAddressOptions } from './trusted-address.js';

/**
 * The provisioning file: voice groups > sites > lines (with their numbers),
 * hunt and bulk groups per site, feature settings per number, and routing.
 * Strict objects: an unknown key is refused. Numbers are normalized to the
 * national form and addresses to their canonical text while validating.
 */

export { ProvisioningError } from './schema-common.js';

export { SIP_ID } from './schema-common.js';

const lineSchema = z
  .strictObject({
    sipId: z.string().regex(SIP_ID, { error: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' }),
    auth: z.enum(['digest', 'ip'], { error: 'must be digest or ip' }),
    password: z
      .string()
      .min(8, { error: 'must be 8-128 characters' })
      .max(128, { error: 'must be 8-128 characters' })
      .regex(/^[\x21-\x7e]+$/, { error: 'must be printable ASCII without spaces' })
      .optional(),
    ha1Md5: hex(32).optional(),
    ha1Sha256: hex(64).optional(),
    allowedAddresses: z.array(ipAddress).optional(),
    channels: intBetween(1, 1000),
    basicNumber: telNumber,
    dialInNumbers: z.array(telNumber).max(10000, { error: 'at most 10000 numbers' }).default([]),
    /** How a call is addressed to the line: the called number as Request-URI user (a PBX or gateway), or its registered Contact as it is (a phone). */
    delivery: z.enum(['number', 'contact'], { error: 'must be number or contact' }).default('number'),
    /** IP-authenticated trunks: where calls to the line go, host[:port] like a route target; absent: its first address, port 5060. */
    deliverTo: routeTargetSchema.optional(),
    /** Transport for deliverTo; absent: UDP (or, for a DNS name without port, what NAPTR/SRV say). */
    deliverTransport: z.enum(['udp', 'tcp'], { error: 'must be udp or tcp' }).optional(),
  })
  .superRefine(
    (line, ctx) => {
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
        if (line.deliverTo !== undefined) add('deliverTo', 'only allowed with auth: ip (a digest line is reached where it registered)');
        if (line.deliverTransport !== undefined) add('deliverTransport', 'only allowed with auth: ip');
      } else {
        if (line.password !== undefined) add('password', 'not allowed with auth: ip');
        if (line.ha1Md5 !== undefined) add('ha1Md5', 'not allowed with auth: ip');
        if (line.ha1Sha256 !== undefined) add('ha1Sha256', 'not allowed with auth: ip');
        const a: unknown = line.allowedAddresses;
        if (a === undefined || (Array.isArray(a) && a.length === 0)) add('allowedAddresses', 'is required for auth: ip (at least one address)');
        if (line.delivery === 'contact') add('delivery', 'contact needs a registered Contact (auth: digest)');
        if (line.deliverTransport !== undefined && line.deliverTo === undefined) add('deliverTransport', 'goes with deliverTo');
      }
    },
    { when: () => true },
  );

const siteSchema = z.strictObject({
  id: quotedString('a 7-digit site id').regex(/^\d{7}$/, { error: 'must be a 7-digit site id' }),
  name: displayName,
  lines: z.array(lineSchema).default([]),
  huntGroups: z.array(huntGroupSchema).default([]),
  bulkGroups: z.array(bulkGroupSchema).default([]),
});

const voiceGroupSchema = z.strictObject({
  id: shortId,
  name: displayName,
  sites: z.array(siteSchema).default([]),
});

export const provisioningSchema = z
  .strictObject({
    voiceGroups: z.array(voiceGroupSchema).default([]),
    /** Feature settings keyed by number (any written form; normalized when applied). */
    features: z.record(z.string(), featuresSchema).default({}),
    routing: routingSchema.optional(),
    /** Subscribed options per number and per site. */
    options: optionsSchema.optional(),
  })
  .superRefine(
    (file, ctx) => {
      crossCheck(file, ctx);
      checkDestinations(field(file, 'features'), ctx);
      checkOptionKeys(field(file, 'options'), ctx);
    },
    { when: () => true },
  );

/**
 * One owner per id, SIP-ID, number and trusted address across the whole file;
 * group members and feature rules checked against the lines of the file.
 * (Numbers the file does not provision are checked against Redis when
 * applying.) Runs even when some fields are invalid (so every problem is
 * reported at once), hence it reads the value defensively.
 */
function crossCheck(file: unknown, ctx: z.RefinementCtx): void {
  const seen = new Map<string, string>();
  const add = (path: Array<string | number>, message: string) => ctx.addIssue({ code: 'custom', path, message });
  const once = (kind: string, value: unknown, path: Array<string | number>, label: string, norm: (s: string) => string | null) => {
    if (typeof value !== 'string') return;
    const v = norm(value);
    if (v === null) return; // reported as invalid by the field itself
    const key = `${kind}\n${v}`;
    const first = seen.get(key);
    if (first !== undefined) add(path, `duplicate ${label} ${v} (also at ${first})`);
    else seen.set(key, formatPath(path));
  };
  const same = (s: string) => s;
  /** number -> where the file provisions it */
  const numbers = new Map<string, { siteId: unknown; kind: 'basic' | 'dial-in' }>();
  const addNumber = (n: unknown, siteId: unknown, kind: 'basic' | 'dial-in') => {
    const v = typeof n === 'string' ? normalizeNumber(n) : null;
    if (v !== null && !numbers.has(v)) numbers.set(v, { siteId, kind });
  };

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
        addNumber(field(line, 'basicNumber'), field(site, 'id'), 'basic');
        items(field(line, 'dialInNumbers')).forEach((n) => addNumber(n, field(site, 'id'), 'dial-in'));
      });
    });
  });

  /** A group number the file provisions must be a number of the group's site (and basic, for hunt groups). */
  const memberOfSite = (n: unknown, siteId: unknown, path: Array<string | number>, basicOnly: boolean) => {
    const v = typeof n === 'string' ? normalizeNumber(n) : null;
    const where = v === null ? undefined : numbers.get(v);
    if (!where) return;
    if (where.siteId !== siteId) add(path, `number ${v} is not a number of site ${String(siteId)}`);
    else if (basicOnly && where.kind !== 'basic') add(path, `number ${v} is not the basic number of a line (hunt groups hold basic numbers)`);
  };
  items(field(file, 'voiceGroups')).forEach((vg, g) => {
    items(field(vg, 'sites')).forEach((site, s) => {
      const siteId = field(site, 'id');
      items(field(site, 'huntGroups')).forEach((hg, h) => {
        const hp = ['voiceGroups', g, 'sites', s, 'huntGroups', h];
        once('hunt', field(hg, 'id'), [...hp, 'id'], 'hunt group id', same);
        const pilot = field(hg, 'pilot');
        const pilotNumber = typeof pilot === 'string' ? normalizeNumber(pilot) : null;
        once('huntNum', pilot, [...hp, 'pilot'], 'hunt group number', normalizeNumber);
        memberOfSite(pilot, siteId, [...hp, 'pilot'], true);
        items(field(hg, 'members')).forEach((m, i) => {
          const mp = [...hp, 'members', i];
          if (typeof m === 'string' && pilotNumber !== null && normalizeNumber(m) === pilotNumber) {
            add(mp, `number ${pilotNumber} is the pilot; members do not repeat it`);
            return;
          }
          once('huntNum', m, mp, 'hunt group number', normalizeNumber);
          memberOfSite(m, siteId, mp, true);
        });
      });
      items(field(site, 'bulkGroups')).forEach((bg, b) => {
        const bp = ['voiceGroups', g, 'sites', s, 'bulkGroups', b];
        once('bulk', field(bg, 'id'), [...bp, 'id'], 'bulk group id', same);
        items(field(bg, 'members')).forEach((m, i) => {
          once('bulkNum', m, [...bp, 'members', i], 'bulk group member', normalizeNumber);
          memberOfSite(m, siteId, [...bp, 'members', i], false);
        });
      });
    });
  });

  for (const [key, f] of entries(field(file, 'features'))) {
    const n = normalizeNumber(key);
    if (n === null || !isNationalNumber(n)) {
      add(['features', key], 'not a national number (0 + 9 or 10 digits)');
      continue;
    }
    once('feat', key, ['features', key], 'features entry for', normalizeNumber);
    if (field(f, 'outgoingRestriction') === true && numbers.get(n)?.kind === 'dial-in') {
      add(['features', key, 'outgoingRestriction'], 'only for basic numbers');
    }
  }

  const routing = field(file, 'routing');
  items(field(routing, 'peers')).forEach((p, i) => {
    once('peer', field(p, 'name'), ['routing', 'peers', i, 'name'], 'peer name', same);
    items(field(p, 'addresses')).forEach((a, k) => once('ip', a, ['routing', 'peers', i, 'addresses', k], 'allowed address', canonicalIp));
  });
  items(field(routing, 'outboundRoutes')).forEach((r, i) => {
    once('route', field(r, 'name'), ['routing', 'outboundRoutes', i, 'name'], 'route name', same);
  });
  items(field(routing, 'emergencyRoutes')).forEach((r, i) => {
    once('emergency', field(r, 'name'), ['routing', 'emergencyRoutes', i, 'name'], 'emergency route name', same);
    items(field(r, 'areaCodes')).forEach((c, k) => once('area', c, ['routing', 'emergencyRoutes', i, 'areaCodes', k], 'area code', same));
  });
}

export type ProvisioningFile = z.infer<typeof provisioningSchema>;
export type ProvisionedVoiceGroup = ProvisioningFile['voiceGroups'][number];
export type ProvisionedSite = ProvisionedVoiceGroup['sites'][number];
export type ProvisionedLine = ProvisionedSite['lines'][number];

/** Validate a parsed file; throws ProvisioningError naming every bad field. Loopback trusted addresses only when allowed. */
export function parseProvisioning(input: unknown, options: TrustedAddressOptions = { allowLoopback: false }): ProvisioningFile {
  const r = provisioningSchema.safeParse(input, { reportInput: true });
  const issues = [...(r.success ? [] : formatIssues(r.error.issues)), ...trustedAddressIssues(input, options)];
  if (!r.success || issues.length) throw new ProvisioningError(issues);
  return r.data;
}

/** The options parseProvisioning takes, from the config. */
export function provisioningOptions(config: { provisioning: { allowLoopbackAddresses: boolean } }): TrustedAddressOptions {
  return { allowLoopback: config.provisioning.allowLoopbackAddresses };
}

/** Every trusted address of the file (lines' allowedAddresses, peers' addresses) checked against the trusted-address rules. */
function trustedAddressIssues(file: unknown, options: TrustedAddressOptions): string[] {
  const out: string[] = [];
  const check = (value: unknown, path: Array<string | number>) => {
    const ip = typeof value === 'string' && !value.includes('/') ? canonicalIp(value) : null;
    if (ip === null) return; // reported as invalid by the field itself
    const problem = trustedAddressProblem(ip, options);
    if (problem) out.push(`${formatPath(path)}: ${problem}`);
  };
  items(field(file, 'voiceGroups')).forEach((vg, g) =>
    items(field(vg, 'sites')).forEach((site, s) =>
      items(field(site, 'lines')).forEach((line, l) =>
        items(field(line, 'allowedAddresses')).forEach((a, i) => check(a, ['voiceGroups', g, 'sites', s, 'lines', l, 'allowedAddresses', i])),
      ),
    ),
  );
  items(field(field(file, 'routing'), 'peers')).forEach((p, i) =>
    items(field(p, 'addresses')).forEach((a, k) => check(a, ['routing', 'peers', i, 'addresses', k])),
  );
  return out;
}

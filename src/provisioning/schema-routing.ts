import { z } from 'zod';
import { parseHostPort } from '../core/locate/host-port.js';
import { hostSchema } from '../config/schema.js';
import { isGeographicNumber } from '../numbers/national.js';
import { ipAddress, quotedString } from './schema-common.js';

/**
 * `routing:` interconnect peers and routes (docs/product.md §1, §5). Each of `peers`,
 * `outboundRoutes` and `emergencyRoutes` that the file gives replaces the
 * stored one whole (a routing table is edited as a table); one left out keeps
 * what is stored. `emergencyRoutes: []` removes them.
 *
 * Emergency routes are per area: each lists the area codes it serves, and an
 * emergency call takes the route with the longest area code its caller's
 * number starts with. The former single `emergencyRoute` still loads: it
 * becomes one route serving every area code (`ALL_AREA_CODES`); `null` removes
 * every emergency route. A file gives one form or the other.
 *
 * `voicemail` is the service's voice-mail platform, the peer a number's
 * forward to `voicemail` goes to (with Diversion naming the mailbox); `null`
 * removes it.
 */

const name = z
  .string({ error: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' })
  .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1-64 characters of A-Z a-z 0-9 . _ -' });

/** host[:port] with host a DNS name, an IPv4 address or a bracketed IPv6 address (parsed as routing reads it). */
export const routeTargetSchema = z.string({ error: 'must be host[:port]' }).superRefine((s, ctx) => {
  if (!parseHostPort(s)) ctx.addIssue({ code: 'custom', message: 'must be host[:port] (a domain name, IPv4 or [IPv6] address; port 1-65535)' });
});

const transport = z.enum(['udp', 'tcp'], { error: 'must be udp or tcp' }).optional();

/**
 * A target and its transport. Left out, the transport is UDP for an address
 * or a name with a port; for a bare name it stays absent, and routing asks
 * DNS (NAPTR, then SRV for UDP and TCP: RFC 3263 §4.1).
 */
const located = { target: routeTargetSchema, transport };
function withTransport<T extends { target: string; transport?: 'udp' | 'tcp' | undefined }>(route: T): T {
  if (route.transport !== undefined) return route;
  const parsed = parseHostPort(route.target);
  return parsed && (parsed.family !== 0 || parsed.port !== undefined) ? { ...route, transport: 'udp' } : route;
}

const RANK = 'must be a whole number 0-65535';
const rank = z.number({ error: RANK }).int({ error: RANK }).min(0, { error: RANK }).max(65535, { error: RANK });

export const peerSchema = z
  .strictObject({
    name,
    addresses: z.array(ipAddress).default([]),
    /** DNS names whose A/AAAA addresses are trusted like `addresses` (each node resolves them and follows their TTL). */
    hosts: z
      .array(hostSchema.transform((h) => h.toLowerCase()))
      .max(8, { error: 'at most 8 host names' })
      .optional(),
  })
  .superRefine((p, ctx) => {
    if (p.addresses.length === 0 && (p.hosts ?? []).length === 0)
      ctx.addIssue({ code: 'custom', path: ['addresses'], message: 'at least one address (or a host name in hosts)' });
  });

export const outboundRouteSchema = z
  .strictObject({
    name,
    /** Digits the destination starts with; "" matches every destination. Several routes may share a prefix. */
    prefix: quotedString('digits').regex(/^\d{0,32}$/, { error: 'must be up to 32 digits ("" matches everything)' }),
    ...located,
    /** Among the routes of one prefix: lowest first (default 1). */
    priority: rank.optional(),
    /** Among the routes of one prefix and priority: share of the calls (RFC 2782). */
    weight: rank.optional(),
  })
  .transform(withTransport);

export { ALL_AREA_CODES } from '../store/route-store.js';

/** "03", "011", "0123", "01267": 0 + 1-4 digits, a prefix of geographic numbers only. */
const areaCode = quotedString('an area code').refine((s) => /^0[1-9]\d{0,3}$/.test(s) && isGeographicNumber(s.padEnd(10, '1')), {
  error: 'must be a geographic area code: 0 + 1-4 digits (e.g. "03", "011", "0123"; not 0X0, 0120, 0570, 0990)',
});

export const emergencyRouteSchema = z
  .strictObject({
    name,
    areaCodes: z.array(areaCode).min(1, { error: 'at least one area code' }),
    ...located,
  })
  .transform(withTransport);

/** The voice-mail platform: where forwards to `voicemail` go. */
export const voicemailSchema = z.strictObject({ name, ...located }).transform(withTransport);

/** The former single emergency route (every area). */
export const legacyEmergencyRouteSchema = z.strictObject({ name, ...located }).transform(withTransport);

export const routingSchema = z
  .strictObject({
    peers: z.array(peerSchema).optional(),
    outboundRoutes: z.array(outboundRouteSchema).optional(),
    emergencyRoutes: z.array(emergencyRouteSchema).optional(),
    emergencyRoute: legacyEmergencyRouteSchema.nullable().optional(),
    voicemail: voicemailSchema.nullable().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.emergencyRoutes !== undefined && r.emergencyRoute !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['emergencyRoute'], message: 'give emergencyRoutes (per area) or the former emergencyRoute, not both' });
    }
  });

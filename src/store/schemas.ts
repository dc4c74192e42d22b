import { z } from 'zod';
import type { BulkGroup, HuntGroup, OutboundRoute, Peer } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import { ROLES } from '../auth/account-roles.js';
import type { Log } from '../log.js';

/**
 * Stored values are checked where they are read back: a value that does not
 * match its schema is treated as absent (a damaged record must not break a
 * call) and reported once per kind, never cast into a domain type.
 */
let damageLog: Pick<Log, 'warn'> | undefined;
const reported = new Set<string>();

/** Where damaged values are reported (the app's logger). */
export function reportDamagedValuesTo(log: Pick<Log, 'warn'>): void {
  damageLog = log;
}

export function parseStored<T>(schema: z.ZodType<T>, json: string | null | undefined, what: string): T | null {
  if (json === null || json === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    damaged(what, 'not JSON');
    return null;
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  damaged(what, parsed.error.issues[0]?.path.join('.') || 'shape');
  return null;
}

function damaged(what: string, where: string): void {
  if (reported.has(what)) return;
  reported.add(what);
  damageLog?.warn({ event: 'store.damaged', what, where }, 'a stored value is damaged; treated as absent');
}

export const bindingSchema = z
  .object({
    key: z.string(),
    uri: z.string(),
    q: z.number().optional(),
    expiresAt: z.number(),
    callId: z.string(),
    cseq: z.number(),
    path: z.array(z.string()),
    source: z.object({
      transport: z.enum(['UDP', 'TCP', 'WS']),
      address: z.string(),
      port: z.number(),
      node: z.string(),
      connectionId: z.string().optional(),
    }),
    instance: z.string().optional(),
    regId: z.string().optional(),
    userAgent: z.string().optional(),
    registeredAt: z.number(),
  })
  .loose();

export function parseBinding(json: string): Binding | null {
  return parseStored(bindingSchema, json, 'binding');
}

/** A hunt group as stored, and as the management API shows it. */
export const huntGroupSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  pilot: z.string(),
  members: z.array(z.string()),
  mode: z.enum(['sequential', 'round-robin']),
  presentation: z.enum(['pilot', 'own']),
});
const bulkGroupSchema = z.object({
  id: z.string(),
  siteId: z.string(),
  name: z.string(),
  members: z.array(z.string()),
  state: z.enum(['stopped', 'starting', 'started', 'stopping']),
});
const outboundRouteSchema = z.object({ name: z.string(), prefix: z.string(), target: z.string(), transport: z.enum(['udp', 'tcp']) });
const peerSchema = z.object({ name: z.string(), addresses: z.array(z.string()) });

/** The latest start or stop of a bulk group (docs/product.md §4.4): "in progress" while it runs, then "done" with each number's result. */
export const bulkOperationSchema = z.object({
  operation: z.enum(['start', 'stop']),
  status: z.enum(['in progress', 'done', 'failed']),
  account: z.string(),
  startedAt: z.number(),
  finishedAt: z.number().optional(),
  results: z.array(z.object({ number: z.string(), result: z.enum(['done', 'error']), why: z.string().optional() })),
});
export type BulkOperation = z.infer<typeof bulkOperationSchema>;
export const parseBulkOperation = (json: string | null | undefined): BulkOperation | null => parseStored(bulkOperationSchema, json, 'bulk operation');

export const parseHuntGroup = (json: string | null | undefined): HuntGroup | null => parseStored(huntGroupSchema, json, 'hunt group');
export const parseBulkGroup = (json: string | null | undefined): BulkGroup | null => parseStored(bulkGroupSchema, json, 'bulk group');
export const parseOutboundRoute = (json: string | null | undefined): OutboundRoute | null => parseStored(outboundRouteSchema, json, 'emergency route');
export const parseOutboundRoutes = (json: string | null | undefined): OutboundRoute[] | null =>
  parseStored(z.array(outboundRouteSchema), json, 'outbound routes');
export const parsePeer = (json: string | null | undefined): Peer | null => parseStored(peerSchema, json, 'peer');

const banSchema = z.object({ address: z.string(), reason: z.string(), count: z.number(), sipId: z.string(), since: z.number(), until: z.number() });
export const parseBan = (json: string | null | undefined): z.infer<typeof banSchema> | null => parseStored(banSchema, json, 'ban');

const role = z.enum(ROLES);
const accountSchema = z.object({
  name: z.string(),
  role,
  voiceGroupId: z.string().optional(),
  siteId: z.string().optional(),
  number: z.string().optional(),
  passwordHash: z.string(),
  tokenGeneration: z.string().optional(),
});
export const parseAccount = (json: string | null | undefined) => parseStored(accountSchema, json, 'account');

const historyEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  account: z.string(),
  role,
  target: z.object({ kind: z.enum(['number', 'line', 'site', 'voice-group', 'hunt-group', 'bulk-group', 'routing', 'account']), id: z.string() }),
  siteId: z.string().optional(),
  voiceGroupId: z.string().optional(),
  action: z.string(),
  before: z.unknown(),
  after: z.unknown(),
});
export const parseHistoryEntry = (json: string | null | undefined) => parseStored(historyEntrySchema, json, 'history entry');

import { z } from 'zod';
import type { BulkGroup, EmergencyRoute, HuntGroup, OutboundRoute, Peer, VoicemailRoute } from '../features/settings.js';
import type { Binding } from '../registrar/binding.js';
import { FUNCTIONS, RIGHTS, ROLES } from '../auth/account-roles.js';
import type { Log } from '../log.js';
import { BoundedMap } from './bounded-map.js';

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

/**
 * parseStored for values every call reads again (a callee's bindings, the
 * parties' groups): the same stored text gives the same value, so the last
 * `maxEntries` results are kept by their text and the JSON parse and the
 * schema check run once per change, not once per call. Texts longer than
 * `maxTextLength` (a group of hundreds of members) are parsed every time, so
 * the memory kept stays bounded. The values are frozen, since every reader of
 * the same text gets the same object.
 */
export function memoizedParser<T>(schema: z.ZodType<T>, what: string, maxEntries: number, maxTextLength = 4096): (json: string | null | undefined) => T | null {
  const parsed = new BoundedMap<string, T>(maxEntries);
  return (json) => {
    if (json === null || json === undefined) return null;
    if (json.length > maxTextLength) return parseStored(schema, json, what);
    const known = parsed.get(json);
    if (known !== undefined) return known;
    const value = parseStored(schema, json, what);
    if (value !== null) parsed.set(json, deepFreeze(value));
    return value;
  };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
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
      transport: z.enum(['UDP', 'TCP', 'TLS', 'WS', 'WSS']),
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

/**
 * How many bindings and groups of each kind are kept parsed (memoizedParser):
 * a busy node's hot lines and groups. Texts are at most 4 kB each (a binding
 * is about 400 bytes), so at the very worst some 36 MB in all.
 */
const BINDINGS_KEPT = 2_000;
const GROUPS_KEPT = 500;

/** A stored binding, kept parsed and frozen (memoizedParser): the registrar builds new bindings, never edits one read. */
export const parseBinding: (json: string) => Binding | null = memoizedParser(bindingSchema, 'binding', BINDINGS_KEPT);

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
const routeTransportSchema = z.enum(['udp', 'tcp']).optional();
const outboundRouteSchema = z.object({
  name: z.string(),
  prefix: z.string(),
  target: z.string(),
  transport: routeTransportSchema,
  priority: z.number().optional(),
  weight: z.number().optional(),
});
const peerSchema = z.object({ name: z.string(), addresses: z.array(z.string()), hosts: z.array(z.string()).optional() });

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
/** The groups a call reads, kept parsed and frozen (memoizedParser); management code that edits a group parses its own copy. */
export const parseSharedHuntGroup: (json: string | null | undefined) => HuntGroup | null = memoizedParser(huntGroupSchema, 'hunt group', GROUPS_KEPT);
export const parseSharedBulkGroup: (json: string | null | undefined) => BulkGroup | null = memoizedParser(bulkGroupSchema, 'bulk group', GROUPS_KEPT);
export const parseOutboundRoute = (json: string | null | undefined): OutboundRoute | null => parseStored(outboundRouteSchema, json, 'emergency route');
export const parseOutboundRoutes = (json: string | null | undefined): OutboundRoute[] | null =>
  parseStored(z.array(outboundRouteSchema), json, 'outbound routes');
const emergencyRouteSchema = z.object({ name: z.string(), areaCodes: z.array(z.string()), target: z.string(), transport: routeTransportSchema });
export const parseEmergencyRoutes = (json: string | null | undefined): EmergencyRoute[] | null =>
  parseStored(z.array(emergencyRouteSchema), json, 'emergency routes');
const voicemailRouteSchema = z.object({ name: z.string(), target: z.string(), transport: routeTransportSchema });
export const parseVoicemailRoute = (json: string | null | undefined): VoicemailRoute | null => parseStored(voicemailRouteSchema, json, 'voice-mail route');
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
  rights: z.partialRecord(z.enum(FUNCTIONS), z.enum(RIGHTS)).optional(),
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

const decisionSchema = z
  .object({
    stage: z.string(),
    outcome: z.string(),
    /** The number whose settings made the decision (the caller's for origination, else the number being called). */
    party: z.string().optional(),
    status: z.number().optional(),
    reason: z.string().optional(),
    targets: z.array(z.string()).optional(),
    target: z.string().optional(),
    why: z.string().optional(),
    number: z.string().optional(),
    presented: z.string().optional(),
    withhold: z.boolean().optional(),
    hop: z.string().optional(),
  })
  .loose();
const partySchema = z.object({
  role: z.enum(['caller', 'called', 'forwarder', 'delivered']),
  number: z.string().optional(),
  sipId: z.string().optional(),
  siteId: z.string(),
  voiceGroupId: z.string(),
});
const endpointSchema = z.object({ kind: z.enum(['line', 'peer', 'route', 'emergency-route']), name: z.string(), number: z.string().optional() });

/** A call while it is up, as kept next to its channels (src/store/cdr-store.ts). */
export const openCallRecordSchema = z.object({
  callId: z.string(),
  node: z.string(),
  startedAt: z.string(),
  answeredAt: z.string().optional(),
  origin: endpointSchema,
  /** The caller's real number, when known (our line's own number, or what the peer asserted). */
  callingNumber: z.string().optional(),
  /** What the called party was shown, when it was shown a number. */
  presentedNumber: z.string().optional(),
  presentation: z.enum(['presented', 'withheld', 'unavailable', 'payphone']),
  calledNumber: z.string(),
  delivered: endpointSchema.optional(),
  decisions: z.array(decisionSchema),
  forwards: z.array(z.object({ from: z.string(), to: z.string(), reason: z.string() })),
  /** Where the caller's INVITE came from: a BYE from there is the caller hanging up. */
  callerSource: z.string().optional(),
});

/** A finished call: the open record plus how it ended and whose it is. */
export const callRecordSchema = openCallRecordSchema.extend({
  endedAt: z.string(),
  /** Seconds from answer to end (0 when not answered). */
  durationSeconds: z.number(),
  /** The final SIP status of the INVITE (200 for an answered call). */
  status: z.number(),
  outcome: z.enum(['answered', 'busy', 'no-answer', 'unavailable', 'rejected', 'cancelled', 'failed']),
  endedBy: z.enum(['caller', 'callee', 'system']),
  endReason: z.string(),
  /** The node that wrote the record when it is not the one that carried the call ("node lost"). */
  closedBy: z.string().optional(),
  parties: z.array(partySchema),
});

export const parseOpenCallRecord = (json: string | null | undefined) => parseStored(openCallRecordSchema, json, 'open call record');
export const parseCallRecord = (json: string | null | undefined) => parseStored(callRecordSchema, json, 'call record');
